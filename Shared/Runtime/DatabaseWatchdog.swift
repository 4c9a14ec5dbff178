import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import TriadStorage

/// Ends the service when its database stays unavailable past `TRIAD_DATABASE_RECOVERY_TIMEOUT_MS`
/// (or a database call is stuck past `WatchedDatabase.stallLimit`): it logs why and throws
/// `DatabaseGaveUp`, which shuts the service down gracefully and makes it exit with status 75, so an
/// orchestrator restarts it. Should the shutdown itself hang on the database, the process exits
/// with 75 once the shutdown deadline and 5 s more have passed.
public struct DatabaseWatchdog: Service {
    let database: WatchedDatabase
    let shutdownTimeout: Duration
    let logger: Logger

    public init(database: WatchedDatabase, shutdownTimeout: Duration, logger: Logger) {
        self.database = database
        self.shutdownTimeout = shutdownTimeout
        self.logger = logger
    }

    public func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .milliseconds(250)) }
            guard case .failed(let reason) = database.health() else { continue }
            logger.critical(
                "giving up on the database; exiting with status \(DatabaseGaveUp.exitStatus) so that the service is restarted",
                metadata: [
                    "database": "\(database.location)", "reason": "\(reason)",
                    "recovery-timeout": "\(WatchedDatabase.seconds(database.recoveryTimeout))",
                ])
            let deadline = shutdownTimeout + .seconds(5)
            Thread.detachNewThread {
                Thread.sleep(
                    forTimeInterval: Double(deadline.components.seconds) + Double(deadline.components.attoseconds)
                        / 1e18)
                exit(DatabaseGaveUp.exitStatus)
            }
            throw DatabaseGaveUp(reason: reason)
        }
    }
}

/// The database stayed unavailable past the recovery timeout; the process exits with `exitStatus`.
public struct DatabaseGaveUp: Error, CustomStringConvertible {
    /// EX_TEMPFAIL: a temporary failure, worth a restart.
    public static let exitStatus: Int32 = 75
    public let reason: String
    public var description: String { "gave up on the database: \(reason)" }
}

extension APIError {
    /// 503 with code `database-unavailable`: the request needs the database, which is away.
    public static func databaseUnavailable(_ error: DatabaseUnavailable) -> APIError {
        // The cause is logged, not answered: it names hosts and files.
        APIError(
            .serviceUnavailable, reason: "the database is unavailable; try again shortly", code: "database-unavailable")
    }
}
