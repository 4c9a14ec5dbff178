import Logging
import ServiceLifecycle
import TriadEvents

/// Publishes coalesced reports (ROI, campaign performance): at most one per aggregate per
/// interval, and a last round on shutdown so the final totals always go out.
public struct PeriodicReporter: Service {
    public typealias Collect = @Sendable () -> [DomainEvent]

    let interval: Duration
    let publisher: EventPublisher
    let logger: Logger
    let collect: Collect

    public init(interval: Duration, publisher: EventPublisher, logger: Logger, collect: @escaping Collect) {
        self.interval = interval
        self.publisher = publisher
        self.logger = logger
        self.collect = collect
    }

    public func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            try await flush()
        }
        try await flush()
    }

    /// Publishes whatever changed since the last round.
    public func flush() async throws {
        let events = collect()
        guard !events.isEmpty else { return }
        do {
            try await publisher.publish(events, cause: .internal_())
        } catch {
            logger.error("could not publish reports", metadata: ["error": "\(error)", "count": "\(events.count)"])
            throw error
        }
    }
}
