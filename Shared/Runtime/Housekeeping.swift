import Foundation
import Logging
import ServiceLifecycle
import TriadStorage

/// Keeps storage bounded: drops applied event ids and dead-lettered positions older than the dedupe
/// window, and whatever the service's own `prune` says is past its use. Runs every few seconds on
/// the instance that relays the outbox (one per shared database).
public struct Housekeeping: Service {
    /// Drops the service's own rows that can no longer matter; returns the count per table.
    public typealias Prune = @Sendable (any SQLSession) throws -> [String: Int]

    let database: any Database
    let relay: OutboxRelay
    let dedupeWindow: Duration
    let metrics: ServiceMetrics
    let logger: Logger
    let prune: Prune?
    let appliedEvents: AgeSweep

    public init(
        database: any Database, relay: OutboxRelay, dedupeWindow: Duration, metrics: ServiceMetrics, logger: Logger,
        prune: Prune?
    ) {
        self.database = database
        self.relay = relay
        self.dedupeWindow = dedupeWindow
        self.metrics = metrics
        self.logger = logger
        self.prune = prune
        appliedEvents = AppliedEvents.sweep(keptFor: dedupeWindow)
    }

    /// Often enough that a short window (tests) is honoured within a few seconds.
    var period: Duration { min(.seconds(10), max(dedupeWindow / 4, .milliseconds(250))) }

    public func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: period) }
            guard !Task.isShuttingDownGracefully, await relay.leads() else { continue }
            do {
                try await sweep()
            } catch is DatabaseUnavailable {
                // The database's watch logs the outage; the next round sweeps what this one did not.
            } catch {
                logger.warning("housekeeping failed; it runs again shortly", metadata: ["error": "\(error)"])
            }
        }
    }

    /// One round: returns how many rows each table lost.
    @discardableResult
    public func sweep(now: Date = Date()) async throws -> [String: Int] {
        let cutoff =
            Int64(now.timeIntervalSince1970 * 1000) - Int64(dedupeWindow.components.seconds * 1000)
            - Int64(dedupeWindow.components.attoseconds / 1_000_000_000_000_000)
        let prune = self.prune
        let appliedEvents = self.appliedEvents
        let dropped = try await database.transaction { session in
            var dropped = [
                "applied_events": try appliedEvents.sweep(olderThan: cutoff, in: session),
                "dead_lettered": try DeadLetterMemo.prune(recordedBefore: cutoff, in: session),
                "report_links": try ReportLinks.prune(
                    recordedBefore: Int64(now.timeIntervalSince1970 * 1000) - ReportLinks.keptMilliseconds, in: session),
            ]
            if let prune { dropped.merge(try prune(session)) { $0 + $1 } }
            return dropped
        }
        for (table, count) in dropped where count > 0 {
            metrics.increment("triad_pruned_total", [("table", table)], by: Int64(count))
        }
        if dropped.values.contains(where: { $0 > 0 }), database.dialect == .sqlite {
            _ = try? await database.transaction { try $0.query("PRAGMA incremental_vacuum") }
        }
        return dropped
    }
}
