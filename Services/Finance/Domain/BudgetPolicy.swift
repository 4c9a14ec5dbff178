import TriadEvents

/// Finance's configurable rules: the quarterly marketing envelope, the minimum target ROI, and how far
/// a reallocation proposal may move a channel.
public struct BudgetPolicy: Sendable, Equatable {
    /// What marketing may have approved per calendar quarter (UTC).
    public var quarterlyEnvelope: Money
    /// Campaigns whose target ROI is under this are rejected.
    public var hurdleBps: Int64
    /// How far a proposal may move a channel from its current amount, in basis points of it
    /// (0 … 10,000; `TRIAD_REALLOCATION_BOUND_BPS`).
    public var reallocationBoundBps: Int64

    public init(
        quarterlyEnvelope: Money, hurdleBps: Int64, reallocationBoundBps: Int64 = BudgetReallocation.defaultBoundBps
    ) {
        self.quarterlyEnvelope = quarterlyEnvelope
        self.hurdleBps = hurdleBps
        self.reallocationBoundBps = reallocationBoundBps
    }
}
