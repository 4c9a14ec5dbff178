import TriadEvents

/// Finance's split of a quarter's envelope over the channels, from each channel's share of the
/// current quarter's approved budgets and its response curve. Pure: the caller brings the figures,
/// curves included, at the scale of the amounts split (a quarter's: `ReallocationProposal` takes the
/// weekly curves `over(weeks:)` the quarter's weeks).
///
/// 1. Current: each channel's share of the approved budgets, in basis points and as an exact
///    amount of the envelope, both by largest remainder (they sum to 10,000 and to the envelope;
///    equal remainders go to the channel first in `Channel.allCases`). With no approved budget at
///    all, the channels with a curve share equally.
/// 2. Bounds: a channel with a curve may move between floor(current × (1 − bound)) and
///    floor(current × (1 + bound)); one without keeps its current amount.
/// 3. Steps: every channel with a curve starts at its lower bound; what is left of the envelope goes
///    out in steps of 1 % of it (floored, at least one minor unit; the last step is what remains, so
///    the amounts sum to exactly the envelope), each to the channel whose curve gains the most
///    revenue for it, R(s + step) − R(s), among those under their upper bound; equal gains go to the
///    channel first in channel order. The gain is the whole step's; a channel nearer its upper bound
///    than a step takes only up to the bound, and the next step goes out as usual.
///
/// The steps always fit: every upper bound is at least the channel's current amount, and what the
/// steps hand out is what the channels with a curve hold currently less their lower bounds. So no
/// amount is ever left over for the channels without a curve or past a bound.
///
/// Gains are compared in Double (the curves' arithmetic); amounts are exact integers.
public struct BudgetReallocation: Sendable, Equatable {
    /// One channel's part of the proposal, in minor units.
    public struct Line: Sendable, Equatable {
        public var channel: Channel
        /// Its share of the current quarter's approved budgets, 0 … 10,000.
        public var currentShareBps: Int64
        /// The envelope at that share.
        public var currentMinor: Int64
        public var lowerBoundMinor: Int64
        public var upperBoundMinor: Int64
        public var proposedMinor: Int64
        /// Nil for a channel without enough history.
        public var curve: ResponseCurve?
        public var reason: AllocationReason

        public init(
            channel: Channel, currentShareBps: Int64, currentMinor: Int64, lowerBoundMinor: Int64,
            upperBoundMinor: Int64, proposedMinor: Int64, curve: ResponseCurve?, reason: AllocationReason
        ) {
            self.channel = channel
            self.currentShareBps = currentShareBps
            self.currentMinor = currentMinor
            self.lowerBoundMinor = lowerBoundMinor
            self.upperBoundMinor = upperBoundMinor
            self.proposedMinor = proposedMinor
            self.curve = curve
            self.reason = reason
        }

        /// The curve's revenue at the current amount (rounded as `ResponseCurve.revenueMinor` says).
        public var expectedRevenueCurrentMinor: Int64? { curve?.revenueMinor(at: currentMinor) }
        /// The curve's revenue at the proposed amount.
        public var expectedRevenueProposedMinor: Int64? { curve?.revenueMinor(at: proposedMinor) }
        /// The curve's marginal ROAS at the proposed amount, basis points rounded down.
        public var marginalRoasBps: Int64? { curve?.marginalRoasBps(at: proposedMinor) }
    }

    /// One step of the envelope handed to a channel, in the order they were handed out.
    public struct Step: Sendable, Equatable {
        public var channel: Channel
        public var amountMinor: Int64

        public init(channel: Channel, amountMinor: Int64) {
            self.channel = channel
            self.amountMinor = amountMinor
        }
    }

    /// `TRIAD_REALLOCATION_BOUND_BPS`'s default: ±30 % around the current amount.
    public static let defaultBoundBps: Int64 = 3000
    public let envelopeMinor: Int64
    public let boundBps: Int64
    /// 1 % of the envelope, floored, at least one minor unit.
    public let stepMinor: Int64

    /// One step of the allocation: 1 % of the envelope, floored, at least one minor unit.
    public static func step(ofEnvelope envelopeMinor: Int64) -> Int64 { max(1, envelopeMinor / 100) }

    /// In `Channel.allCases` order: the channels with an approved budget in the current quarter or a
    /// curve. Empty when there is neither (nothing to split the envelope by).
    public let lines: [Line]
    public let steps: [Step]

    /// The proposal for `envelopeMinor` (≥ 0) from each channel's approved budgets of the current
    /// quarter (≥ 0; a channel left out has none) and its curve (left out: not enough history), each
    /// channel moving at most `boundBps` (0 … 10,000) of its current amount.
    public init(
        envelopeMinor: Int64, approvedMinor: [Channel: Int64], curves: [Channel: ResponseCurve],
        boundBps: Int64 = defaultBoundBps
    ) {
        precondition(envelopeMinor >= 0 && (0...10_000).contains(boundBps))
        precondition(approvedMinor.values.allSatisfy { $0 >= 0 })
        self.envelopeMinor = envelopeMinor
        self.boundBps = boundBps
        stepMinor = Self.step(ofEnvelope: envelopeMinor)

        let channels = Channel.allCases.filter { (approvedMinor[$0] ?? 0) > 0 || curves[$0] != nil }
        guard !channels.isEmpty else {
            lines = []
            steps = []
            return
        }
        let anyApproved = channels.contains { (approvedMinor[$0] ?? 0) > 0 }
        // No approved budget: every listed channel has a curve, and they weigh the same.
        let weights = channels.map { anyApproved ? Int128(approvedMinor[$0] ?? 0) : 1 }
        let shares = Self.largestRemainder(of: 10_000, by: weights)
        let amounts = Self.largestRemainder(of: envelopeMinor, by: weights)

        var lines = channels.indices.map { index in
            let current = amounts[index]
            let curve = curves[channels[index]]
            func scaled(_ bps: Int64) -> Int64 { Int64(Int128(current) * Int128(bps) / 10_000) }
            return Line(
                channel: channels[index], currentShareBps: shares[index], currentMinor: current,
                lowerBoundMinor: curve == nil ? current : scaled(10_000 - boundBps),
                upperBoundMinor: curve == nil ? current : scaled(10_000 + boundBps),
                proposedMinor: curve == nil ? current : scaled(10_000 - boundBps), curve: curve, reason: .gains)
        }
        var steps: [Step] = []
        var remaining = envelopeMinor - lines.reduce(0) { $0 + $1.proposedMinor }
        while remaining > 0 {
            let size = min(stepMinor, remaining)
            var best: (index: Int, amount: Int64, gain: Double)?
            for (index, line) in lines.enumerated() {
                guard let curve = line.curve, line.proposedMinor < line.upperBoundMinor else { continue }
                let amount = min(size, line.upperBoundMinor - line.proposedMinor)
                let gain =
                    curve.revenue(at: Double(line.proposedMinor) + Double(size))
                    - curve.revenue(at: Double(line.proposedMinor))
                if best == nil || gain > best!.gain { best = (index, amount, gain) }
            }
            guard let best else { break }  // unreachable: the steps always fit (see above)
            lines[best.index].proposedMinor += best.amount
            remaining -= best.amount
            steps.append(Step(channel: lines[best.index].channel, amountMinor: best.amount))
        }
        for index in lines.indices { lines[index].reason = Self.reason(of: lines[index]) }
        self.lines = lines
        self.steps = steps
    }

    /// The first that applies: no curve; marginal ROAS at the proposal under 1; at a bound; else gains.
    static func reason(of line: Line) -> AllocationReason {
        guard let roas = line.marginalRoasBps else { return .notEnoughHistory }
        if roas < 10_000 { return .belowBreakEven }
        if line.proposedMinor == line.lowerBoundMinor || line.proposedMinor == line.upperBoundMinor { return .bounded }
        return .gains
    }

    /// `total` split in proportion to `weights` (not all zero): each part floored, then one more
    /// minor unit to the parts with the largest remainders, equal remainders to the earlier part,
    /// until the parts sum to `total`.
    static func largestRemainder(of total: Int64, by weights: [Int128]) -> [Int64] {
        let sum = weights.reduce(0, +)
        var parts = weights.map { Int64(Int128(total) * $0 / sum) }
        let remainders = weights.map { Int128(total) * $0 % sum }
        let order = weights.indices.sorted {
            remainders[$0] != remainders[$1] ? remainders[$0] > remainders[$1] : $0 < $1
        }
        for index in order.prefix(Int(total - parts.reduce(0, +))) { parts[index] += 1 }
        return parts
    }

    /// The wire form of the lines, amounts in `currency`.
    public func allocations(in currency: Currency) -> [ChannelAllocation] {
        lines.map { line in
            ChannelAllocation(
                channel: line.channel, currentShareBps: line.currentShareBps,
                current: currency.money(line.currentMinor),
                proposed: currency.money(line.proposedMinor),
                expectedRevenueCurrent: line.expectedRevenueCurrentMinor.map(currency.money),
                expectedRevenueProposed: line.expectedRevenueProposedMinor.map(currency.money),
                marginalRoasBps: line.marginalRoasBps, reason: line.reason)
        }
    }
}
