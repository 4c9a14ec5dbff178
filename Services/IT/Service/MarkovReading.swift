import AnalyticsStore
import TriadEvents
import TriadRuntime

/// The data-driven attribution, refreshed (a `PeriodicTask`): computed on a read-only view of IT's
/// tables, then recorded as the latest and emitted on `it.insights` when anything but its
/// `computedAt` changed.
enum MarkovReading {
    static func refresh(window: Int64, in context: RouteContext) async throws {
        guard let computed = try await MarkovComputation.compute(window: window, in: context.database)
        else { return }
        try await context.write(cause: .serviceInitiated()) { session in
            ((), try MarkovTable.record(computed, in: session) ? [.attributionMarkovComputed(computed)] : [])
        }
    }
}
