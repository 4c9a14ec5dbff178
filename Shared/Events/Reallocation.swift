// MARK: finance.budget-decisions — finance's proposal for a quarter's envelope, keyed by quarter

/// Why a channel's proposed amount is what it is. Raw values are the names on the wire and the page.
public enum AllocationReason: String, Codable, Sendable, CaseIterable {
    /// Its curve won steps of the envelope (or lost them to a channel that gains more).
    case gains
    /// It stopped at its lower or upper bound around its current share.
    case bounded
    /// No response curve yet: it keeps its current share.
    case notEnoughHistory = "not-enough-history"
    /// Its marginal ROAS at the proposed amount is under 1: the last euro there loses money.
    case belowBreakEven = "below-break-even"
}

/// One channel's line of a proposal. The expected revenues and the marginal ROAS are nil for a
/// channel without a curve.
public struct ChannelAllocation: Codable, Sendable, Equatable {
    public var channel: Channel
    /// The channel's share of the current quarter's approved budgets, 0 … 10,000.
    public var currentShareBps: Int64
    /// The envelope at the current share.
    public var current: Money
    public var proposed: Money
    /// The curve's revenue at `current` and at `proposed`.
    public var expectedRevenueCurrent: Money?
    public var expectedRevenueProposed: Money?
    /// The curve's marginal ROAS at `proposed`, in basis points (10,000 = one euro back per euro).
    public var marginalRoasBps: Int64?
    public var reason: AllocationReason

    public init(
        channel: Channel, currentShareBps: Int64, current: Money, proposed: Money, expectedRevenueCurrent: Money?,
        expectedRevenueProposed: Money?, marginalRoasBps: Int64?, reason: AllocationReason
    ) {
        self.channel = channel
        self.currentShareBps = currentShareBps
        self.current = current
        self.proposed = proposed
        self.expectedRevenueCurrent = expectedRevenueCurrent
        self.expectedRevenueProposed = expectedRevenueProposed
        self.marginalRoasBps = marginalRoasBps
        self.reason = reason
    }
}

/// Finance's split of a quarter's envelope over the channels under one attribution model. Keyed by
/// quarter; `revision` grows by one with every emitted change of that quarter's proposal, bounded
/// like `EnvelopeChanged`'s, so a reader keeps the highest it saw.
public struct ReallocationProposed: EventPayload {
    public static let eventType = EventType.reallocationProposed
    public var quarter: Quarter
    public var model: AttributionModel
    public var envelope: Money
    /// In `Channel.allCases` order: only channels with a current share or a curve.
    public var channels: [ChannelAllocation]
    public var revision: Int64

    public init(
        quarter: Quarter, model: AttributionModel, envelope: Money, channels: [ChannelAllocation], revision: Int64
    ) {
        self.quarter = quarter
        self.model = model
        self.envelope = envelope
        self.channels = channels
        self.revision = revision
    }

    public var subject: String { quarter.description }

    public func validate(_ rules: ValidationRules) throws(EventRejection) {
        try rules.requireMoney(envelope, "envelope")
        for (index, line) in channels.enumerated() {
            let at = "channels[\(index)]"
            // The order is the services' rule only: a schema cannot say it.
            if rules.recorder == nil, index > 0, !(Self.rank(channels[index - 1].channel) < Self.rank(line.channel)) {
                throw EventRejection(
                    .invalidData, field: at + ".channel", "must come after the one before (channel order, no repeats)")
            }
            try rules.requireAtLeast(line.currentShareBps, 0, at + ".currentShareBps")
            try rules.requireAtMost(line.currentShareBps, 10_000, at + ".currentShareBps")
            try rules.requireMoney(line.current, at + ".current")
            try rules.requireMoney(line.proposed, at + ".proposed")
            if let revenue = line.expectedRevenueCurrent {
                try rules.requireMoney(revenue, at + ".expectedRevenueCurrent")
            }
            if let revenue = line.expectedRevenueProposed {
                try rules.requireMoney(revenue, at + ".expectedRevenueProposed")
            }
            if let roas = line.marginalRoasBps { try rules.requireNonNegative(roas, at + ".marginalRoasBps") }
        }
        try rules.requireAtLeast(revision, 1, "revision")
        try rules.requireAtMost(revision, EnvelopeChanged.maximumRevision, "revision")
    }

    private static func rank(_ channel: Channel) -> Int { Channel.allCases.firstIndex(of: channel)! }
}
