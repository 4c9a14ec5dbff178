import TriadEvents

/// A quarter's envelope split over the channels under one attribution model (`BudgetReallocation`),
/// as finance reads it out (`GET /reallocation`) and emits it (`triad.reallocation.proposed`).
public struct ReallocationProposal: Sendable, Equatable {
    public let quarter: Quarter
    public let model: AttributionModel
    public let envelope: Money
    /// In `Channel.allCases` order: the channels with a current share or a curve.
    public let channels: [ChannelAllocation]

    /// The quarter a proposal is for unless one is asked: the one after the newest quarter of event
    /// time (nil past 9999-Q4).
    public static func defaultQuarter(newestEventQuarter: Quarter) -> Quarter? {
        newestEventQuarter.advanced(by: 1)
    }

    /// The quarter whose approved budgets give a proposal's current shares: the one before it, the
    /// newest quarter of event time for the default proposal (nil before 0001-Q1).
    public static func currentQuarter(of quarter: Quarter) -> Quarter? { quarter.advanced(by: -1) }

    /// How many weeks a quarter's envelope is spent over: its days / 7 (90/7 for 2027-Q1, 92/7 for Q3/Q4).
    public static func weeks(in quarter: Quarter) -> Double { Double(quarter.days) / 7 }

    /// The split of `policy`'s envelope for `quarter` under `model`: current shares from the
    /// current quarter's approved budgets per channel, each channel's curve fitted on its weeks
    /// under `model` (a channel without enough history has none) and taken over the quarter's
    /// weeks (`ResponseCurve.over(weeks:)` with `weeks(in: quarter)`: the amounts are a quarter's,
    /// spent evenly over its weeks, not a week's), bounded by the policy's bound.
    public init(
        quarter: Quarter, model: AttributionModel, policy: BudgetPolicy, approvedMinor: [Channel: Int64],
        history: [Channel: [ChannelWeek]]
    ) throws(ConfigurationValueError) {
        let curves = ResponseCurve.curves(of: history).mapValues { $0.over(weeks: Self.weeks(in: quarter)) }
        let split = BudgetReallocation(
            envelopeMinor: policy.quarterlyEnvelope.amountMinor, approvedMinor: approvedMinor, curves: curves,
            boundBps: policy.reallocationBoundBps)
        self.quarter = quarter
        self.model = model
        envelope = policy.quarterlyEnvelope
        channels = split.allocations(in: try Currency(policy.quarterlyEnvelope.currency))
    }

    /// The proposed amount per channel.
    public var proposedMinor: [Channel: Int64] {
        Dictionary(uniqueKeysWithValues: channels.map { ($0.channel, $0.proposed.amountMinor) })
    }

    /// The event that announces this proposal as the quarter's `revision`.
    public func event(revision: Int64) -> ReallocationProposed {
        ReallocationProposed(quarter: quarter, model: model, envelope: envelope, channels: channels, revision: revision)
    }
}

extension ResponseCurve {
    /// Each channel's curve fitted on its weeks; a channel without enough history is absent.
    public static func curves(of history: [Channel: [ChannelWeek]]) -> [Channel: ResponseCurve] {
        history.compactMapValues { weeks in
            ResponseCurve(fitting: weeks.map { Week(spendMinor: $0.spendMinor, revenueMinor: $0.revenueMinor) })
        }
    }
}
