import Logging
import ServiceLifecycle
import TriadEvents
import TriadStorage

/// Writes coalesced reports (ROI, campaign performance) to the outbox: at most one per aggregate
/// per interval, and a last round on shutdown so the final totals always go out.
///
/// A report compares what is stored now with what was last reported (both in the service's
/// tables), so it needs no marker that the event transactions would have to write and lock. Where
/// instances share a database, only the one that relays the outbox reports, so reports about one
/// aggregate go out in the order they were written.
public struct PeriodicReporter: Service {
    /// Reads what changed since the last report, records it as reported, and returns the reports.
    public typealias Collect = @Sendable (any SQLSession) throws -> [DomainEvent]

    let interval: Duration
    let database: any Database
    let publisher: EventPublisher
    let relay: OutboxRelay
    let logger: Logger
    let collect: Collect

    public init(
        interval: Duration, database: any Database, publisher: EventPublisher, relay: OutboxRelay, logger: Logger,
        collect: @escaping Collect
    ) {
        self.interval = interval
        self.database = database
        self.publisher = publisher
        self.relay = relay
        self.logger = logger
        self.collect = collect
    }

    public func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            await flush()
        }
        await flush()
    }

    /// Writes whatever changed since the last round (reading the changes, recording them as
    /// reported and writing the reports in one transaction, so a failure loses nothing).
    public func flush() async {
        guard await relay.leads() else { return }
        do {
            let count = try await withRetries {
                try await database.transaction { session in
                    let rows = try publisher.outgoing(try collect(session), cause: .internal_()).map {
                        event throws(EventRejection) in try publisher.outboxMessage(for: event)
                    }
                    try Outbox.append(rows, in: session)
                    return rows.count
                }
            }
            if count > 0 { relay.nudge() }
        } catch {
            logger.error("could not write reports; they stay pending", metadata: ["error": "\(error)"])
        }
    }
}
