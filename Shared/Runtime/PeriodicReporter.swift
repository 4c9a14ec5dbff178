import Logging
import ServiceLifecycle
import TriadEvents
import TriadStorage

/// Writes coalesced reports (ROI, campaign performance) to the outbox: at most one per aggregate
/// per interval, and a last round on shutdown so the final totals always go out.
public struct PeriodicReporter: Service {
    public typealias Collect = @Sendable (DocumentTransaction) -> [DomainEvent]

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

    /// Writes whatever changed since the last round (taking the changes and writing the reports in
    /// one transaction, so a failure loses nothing).
    public func flush() async {
        do {
            let count = try await withRetries {
                try await database.transaction { session in
                    let transaction = DocumentTransaction(session: session)
                    let events = publisher.outgoing(collect(transaction), cause: .internal_())
                    for event in events { transaction.appendOutbox(try publisher.outboxMessage(for: event)) }
                    try transaction.flush()
                    return events.count
                }
            }
            if count > 0 { relay.nudge() }
        } catch {
            logger.error("could not write reports; they stay pending", metadata: ["error": "\(error)"])
        }
    }
}
