import Logging
import ServiceLifecycle
import TriadStorage

/// A computation a service runs at start and then every `interval`, on the one instance that relays
/// the outbox (`OutboxRelay.leads`; with SQLite every instance, each with its own database). `run`
/// reads and computes outside any write transaction, then writes what it found with its events
/// through the context (`RouteContext.write`), so a long computation does not hold up the batches.
public struct PeriodicTask: Sendable {
    public typealias Run = @Sendable (RouteContext) async throws -> Void

    /// For the log.
    public var name: String
    public var interval: Duration
    public var run: Run

    public init(_ name: String, every interval: Duration, run: @escaping Run) {
        self.name = name
        self.interval = interval
        self.run = run
    }
}

/// Runs one `PeriodicTask` until shutdown; a failed round is logged and the next one tries again.
struct PeriodicTaskRunner: Service {
    let task: PeriodicTask
    let context: RouteContext
    let relay: OutboxRelay

    func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            if await relay.leads() {
                do {
                    try await task.run(context)
                } catch is DatabaseUnavailable {
                    // The database's watch logs the outage; the next round tries again.
                } catch {
                    context.logger.error(
                        "periodic task failed; it runs again next round",
                        metadata: ["task": "\(task.name)", "error": "\(error)"])
                }
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: task.interval) }
        }
    }
}
