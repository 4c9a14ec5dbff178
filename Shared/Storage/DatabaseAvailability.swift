import Logging
import Synchronization

/// The database cannot be reached or written just now: PostgreSQL is gone, restarting, refusing
/// connections or not answering; SQLite's disk is full or its file read-only. Nothing of the
/// transaction stayed, and the same work may succeed once the database is back.
public struct DatabaseUnavailable: Error, Sendable, CustomStringConvertible {
    public let reason: String
    public init(_ reason: String) { self.reason = reason }
    public var description: String { "database unavailable: \(reason)" }
}

/// How long to wait before trying again after `failures` attempts in a row failed: 100 ms,
/// doubling, at most 5 s.
public func databaseRetryDelay(afterFailures failures: Int) -> Duration {
    .milliseconds(min(5_000, 100 << min(max(failures - 1, 0), 6)))
}

/// A database whose outages are noticed. Every call goes through to `base`; a call that fails with
/// `DatabaseUnavailable` starts (or continues) an outage, and a call that succeeds ends it — once a
/// write failed, only a transaction does, and on SQLite only one that committed a change (reads
/// and empty transactions still work on a full disk or a read-only file). During an outage reads
/// fail at once, without waiting on the database, except one per retry delay, which tries it — but
/// on SQLite, whose reads work while its writes fail, they all go through. The outage is logged when it starts (warning), every 10 s while it lasts, and when it
/// ends (info). `health` tells readiness, liveness and the watchdog where things stand.
public final class WatchedDatabase: Database {
    public let base: any Database
    /// How long the database may stay unavailable before the service gives up.
    public let recoveryTimeout: Duration
    /// How long one call may take before the service counts as stuck (`max(recoveryTimeout, 90 s)`):
    /// every call is bounded well below that (PostgreSQL: a connect within 5 s, a reply within 65 s).
    public var stallLimit: Duration { max(recoveryTimeout, .seconds(90)) }
    private let logger: Logger
    private let state = Mutex(State())

    private struct State {
        var outage: Outage?
        /// When each call in flight started, by call number.
        var calls: [Int: ContinuousClock.Instant] = [:]
        var nextCall = 0
    }

    private struct Outage {
        let since: ContinuousClock.Instant
        var reason: String
        var failures: Int
        var lastFailure: ContinuousClock.Instant
        var lastLogged: ContinuousClock.Instant
        /// Whether a transaction failed during the outage, and `changesCommitted` when it started.
        var writeFailed: Bool
        let changesCommitted: Int?
    }

    /// Where the database stands.
    public enum Health: Sendable, Equatable {
        case available
        /// Unavailable for `duration`, within the recovery timeout: the service retries.
        case unavailable(reason: String, duration: Duration)
        /// Unavailable past the recovery timeout, or a call stuck past `stallLimit`: the service
        /// cannot make progress.
        case failed(reason: String)
    }

    public init(_ base: any Database, recoveryTimeout: Duration, logger: Logger) {
        self.base = base
        self.recoveryTimeout = recoveryTimeout
        self.logger = logger
    }

    public var dialect: SQLDialect { base.dialect }
    public var location: String { base.location }
    public var connectionGeneration: Int { base.connectionGeneration }

    public func health(now: ContinuousClock.Instant = .now) -> Health {
        state.withLock { state in
            if let oldest = state.calls.values.min(), now - oldest > stallLimit {
                return .failed(reason: "a database call has not returned for \(Self.seconds(now - oldest))")
            }
            guard let outage = state.outage else { return .available }
            let duration = now - outage.since
            if duration > recoveryTimeout {
                return .failed(
                    reason: "the database has been unavailable for \(Self.seconds(duration)): \(outage.reason)")
            }
            return .unavailable(reason: outage.reason, duration: duration)
        }
    }

    public func transaction<T: Sendable>(_ body: @escaping @Sendable (any SQLSession) throws -> T) async throws -> T {
        try await watch(write: true) { try await self.base.transaction(body) }
    }

    public func transactionDurableLater<T: Sendable>(_ body: @escaping @Sendable (any SQLSession) throws -> T)
        async throws
        -> (T, Durability)
    {
        try await watch(write: true) { try await self.base.transactionDurableLater(body) }
    }

    public func read<T: Sendable>(_ body: @escaping @Sendable (any SQLSession) throws -> T) async throws -> T {
        try await watch(write: false) { try await self.base.read(body) }
    }

    public func sizeInBytes() async throws -> Int64 {
        try await watch(write: false) { try await self.base.sizeInBytes() }
    }

    public func trySessionLock(_ key: Int64) async throws -> Bool {
        try await watch(write: true) { try await self.base.trySessionLock(key) }
    }

    public func releaseSessionLock(_ key: Int64) async { await base.releaseSessionLock(key) }

    public func close() async { await base.close() }

    private func watch<T>(write: Bool, _ call: () async throws -> T) async throws -> T {
        let now = ContinuousClock.now
        let started = state.withLock { state -> Result<Int, DatabaseUnavailable> in
            // SQLite reads still work while its writes fail (disk full, file read-only): they go through.
            if !write, let outage = state.outage, !(outage.writeFailed && dialect == .sqlite),
                now < outage.lastFailure + databaseRetryDelay(afterFailures: outage.failures)
            {
                return .failure(DatabaseUnavailable(outage.reason))
            }
            state.nextCall += 1
            state.calls[state.nextCall] = now
            return .success(state.nextCall)
        }
        let id = try started.get()
        do {
            let result = try await call()
            finished(id, write: write, failure: nil)
            return result
        } catch let error as DatabaseUnavailable {
            finished(id, write: write, failure: error)
            throw error
        } catch {
            finished(id, write: write, failure: nil)
            throw error
        }
    }

    /// A call returned: an outage starts or goes on if it failed for want of the database, and ends
    /// if it did not.
    private func finished(_ id: Int, write: Bool, failure: DatabaseUnavailable?) {
        let now = ContinuousClock.now
        let changes = base.changesCommitted
        enum Report { case none, lost(String), still(String, Duration, Int), back(Duration, Int) }
        let report = state.withLock { state -> Report in
            state.calls[id] = nil
            guard let failure else {
                guard let outage = state.outage else { return .none }
                if outage.writeFailed {
                    guard write, changes == nil || changes != outage.changesCommitted else { return .none }
                }
                state.outage = nil
                return .back(now - outage.since, outage.failures)
            }
            guard var outage = state.outage else {
                state.outage = Outage(
                    since: now, reason: failure.reason, failures: 1, lastFailure: now, lastLogged: now,
                    writeFailed: write,
                    changesCommitted: changes)
                return .lost(failure.reason)
            }
            outage.reason = failure.reason
            outage.failures += 1
            outage.writeFailed = outage.writeFailed || write
            outage.lastFailure = now
            defer { state.outage = outage }
            guard now - outage.lastLogged >= .seconds(10) else { return .none }
            outage.lastLogged = now
            return .still(failure.reason, now - outage.since, outage.failures)
        }
        switch report {
        case .none: break
        case .lost(let reason):
            logger.warning(
                "database unavailable; retrying with backoff",
                metadata: [
                    "database": "\(location)", "reason": "\(reason)",
                    "gives-up-after": "\(Self.seconds(recoveryTimeout))",
                ])
        case .still(let reason, let duration, let failures):
            logger.warning(
                "database still unavailable; retrying with backoff",
                metadata: [
                    "database": "\(location)", "reason": "\(reason)", "for": "\(Self.seconds(duration))",
                    "failed-attempts": "\(failures)", "gives-up-after": "\(Self.seconds(recoveryTimeout))",
                ])
        case .back(let duration, let failures):
            logger.info(
                "database available again",
                metadata: [
                    "database": "\(location)", "after": "\(Self.seconds(duration))", "failed-attempts": "\(failures)",
                ])
        }
    }

    public static func seconds(_ duration: Duration) -> String {
        let milliseconds = duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
        return "\(milliseconds / 1000).\((milliseconds % 1000) / 100)s"
    }
}

/// Runs `body`, again while it fails for want of the database — after `databaseRetryDelay`, until
/// `giveUp` (given the count of such failures so far) says so — and up to `attempts` times in all for any other failure (a PostgreSQL
/// deadlock or serialization failure); then throws the last error. A transaction that failed left
/// nothing behind, so running it again is safe.
public func withDatabaseRetries<T>(
    attempts: Int = 3, giveUp: (Int) -> Bool, _ body: () async throws -> T
) async throws -> T {
    var failures = 0
    var otherFailures = 0
    while true {
        do {
            return try await body()
        } catch let error as DatabaseUnavailable {
            failures += 1
            guard !giveUp(failures) else { throw error }
            try await Task.sleep(for: databaseRetryDelay(afterFailures: failures))
        } catch {
            otherFailures += 1
            guard otherFailures < attempts else { throw error }
            try await Task.sleep(for: .milliseconds(100 * (otherFailures + 1)))
        }
    }
}
