import TriadEvents

/// Finance's configurable rules: the quarterly marketing envelope and the minimum target ROI.
public struct BudgetPolicy: Sendable, Equatable {
    /// What marketing may have approved per calendar quarter (UTC).
    public var quarterlyEnvelope: Money
    /// Campaigns whose target ROI is under this are rejected.
    public var hurdleBps: Int64

    public init(quarterlyEnvelope: Money, hurdleBps: Int64) {
        self.quarterlyEnvelope = quarterlyEnvelope
        self.hurdleBps = hurdleBps
    }
}
