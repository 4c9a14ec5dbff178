import Finance
import Foundation
import TestSupport
import Testing
import TriadEvents

/// The split of an envelope over channels: exact steps on closed-form curves, the bounds, the
/// reasons, and — over thousands of random cases — the bounds, the sum and greedy optimality.
@Suite struct BudgetReallocationTests {
    typealias Line = BudgetReallocation.Line
    typealias Step = BudgetReallocation.Step

    /// Search R = 2000·√S, social R = 0.8·S (each euro brings 0.80 back), display R = 3000·√S, email
    /// without history; approved budgets 3 : 2 : 4 : 1; envelope 1,000,037, so a step is 10,000.
    let search = ResponseCurve(alpha: 0.5, beta: 2000)
    let social = ResponseCurve(alpha: 1, beta: 0.8)
    let display = ResponseCurve(alpha: 0.5, beta: 3000)
    var proposal: BudgetReallocation {
        BudgetReallocation(
            envelopeMinor: 1_000_037, approvedMinor: [.search: 3000, .social: 2000, .display: 4000, .email: 1000],
            curves: [.search: search, .social: social, .display: display])
    }

    /// Current amounts: 300,011.1 / 200,007.4 / 400,014.8 / 100,003.7 floored sum to 1,000,035; the two
    /// largest remainders (.8 display, .7 email) take one each. Bounds ±30 %, floored. The channels
    /// with a curve start at their lower bounds (730,025 with email's 100,004), leaving 270,012: 27
    /// steps of 10,000 and one of 12 — cut as below.
    @Test func threeCurvesStepByStep() {
        let p = proposal
        #expect(p.stepMinor == 10_000)
        #expect(
            p.lines == [
                Line(
                    channel: .search, currentShareBps: 3000, currentMinor: 300_011, lowerBoundMinor: 210_007,
                    upperBoundMinor: 390_014, proposedMinor: 240_010, curve: search, reason: .gains),
                Line(
                    channel: .social, currentShareBps: 2000, currentMinor: 200_007, lowerBoundMinor: 140_004,
                    upperBoundMinor: 260_009, proposedMinor: 140_004, curve: social, reason: .belowBreakEven),
                Line(
                    channel: .display, currentShareBps: 4000, currentMinor: 400_015, lowerBoundMinor: 280_010,
                    upperBoundMinor: 520_019, proposedMinor: 520_019, curve: display, reason: .bounded),
                Line(
                    channel: .email, currentShareBps: 1000, currentMinor: 100_004, lowerBoundMinor: 100_004,
                    upperBoundMinor: 100_004, proposedMinor: 100_004, curve: nil, reason: .notEnoughHistory),
            ])
        // Display gains more per step than search until it reaches 480,010: its next step would bring
        // 3000·(√490,010 − √480,010) = 21,538.81, search's first 2000·(√220,007 − √210,007) = 21,567.66.
        // At 520,010 display's whole step would bring 3000·(√530,010 − √520,010) = 20,702.00, more
        // than search's 2000·(√240,007 − √230,007) = 20,629.29: display takes the 9 up to its bound.
        // The last step is the remaining 3. Social's 8,000 a step never wins.
        let full = { (channel: Channel) in Step(channel: channel, amountMinor: 10_000) }
        var expected: [Step] = Array(repeating: full(.display), count: 20) + [full(.search)]
        expected += Array(repeating: full(.display), count: 3) + [full(.search), full(.display)]
        expected += [Step(channel: .display, amountMinor: 9), full(.search), Step(channel: .search, amountMinor: 3)]
        #expect(p.steps == expected)
        #expect(p.lines.map(\.proposedMinor).reduce(0, +) == 1_000_037)
        #expect(p.lines.map(\.currentMinor).reduce(0, +) == 1_000_037)
    }

    /// Expected revenue rounds to the nearest minor unit (halves down): search 1,095,465.198 and
    /// 979,816.309, social 160,005.6 and 112,003.2, display 1,897,402.171 and 2,163,370.287. Marginal
    /// ROAS floors: search 0.5·979,816.309/240,010 = 2.04119…, display 2.08008…, social 0.8.
    @Test func theWireLines() {
        let eur = Currency.euro
        #expect(
            proposal.allocations(in: eur) == [
                ChannelAllocation(
                    channel: .search, currentShareBps: 3000, current: eur.money(300_011),
                    proposed: eur.money(240_010), expectedRevenueCurrent: eur.money(1_095_465),
                    expectedRevenueProposed: eur.money(979_816), marginalRoasBps: 20_411, reason: .gains),
                ChannelAllocation(
                    channel: .social, currentShareBps: 2000, current: eur.money(200_007),
                    proposed: eur.money(140_004), expectedRevenueCurrent: eur.money(160_006),
                    expectedRevenueProposed: eur.money(112_003), marginalRoasBps: 8000, reason: .belowBreakEven),
                ChannelAllocation(
                    channel: .display, currentShareBps: 4000, current: eur.money(400_015),
                    proposed: eur.money(520_019), expectedRevenueCurrent: eur.money(1_897_402),
                    expectedRevenueProposed: eur.money(2_163_370), marginalRoasBps: 20_800, reason: .bounded),
                ChannelAllocation(
                    channel: .email, currentShareBps: 1000, current: eur.money(100_004),
                    proposed: eur.money(100_004), expectedRevenueCurrent: nil, expectedRevenueProposed: nil,
                    marginalRoasBps: nil, reason: .notEnoughHistory),
            ])
    }

    /// With no approved budget in the current quarter the channels with a curve share equally
    /// (largest remainder: the first in channel order takes the odd unit); a channel with neither a
    /// budget nor a curve is not listed.
    @Test func noApprovedBudgetsShareEqually() {
        let p = BudgetReallocation(
            envelopeMinor: 1000, approvedMinor: [:], curves: [.video: search, .search: search, .social: search],
            boundBps: 0)
        #expect(p.lines.map(\.channel) == [.search, .social, .video])
        #expect(p.lines.map(\.currentShareBps) == [3334, 3333, 3333])
        #expect(p.lines.map(\.currentMinor) == [334, 333, 333])
        // A bound of 0 keeps every amount where it is.
        #expect(p.lines.map(\.proposedMinor) == [334, 333, 333])
        #expect(p.lines.map(\.reason) == [.bounded, .bounded, .bounded])
        #expect(p.steps.isEmpty)
    }

    @Test func edges() {
        // Neither budgets nor curves: nothing to split by.
        #expect(BudgetReallocation(envelopeMinor: 1000, approvedMinor: [.search: 0], curves: [:]).lines.isEmpty)
        // Only channels without history: each keeps its current share.
        let kept = BudgetReallocation(envelopeMinor: 1001, approvedMinor: [.search: 1, .video: 1], curves: [:])
        #expect(kept.lines.map(\.proposedMinor) == [501, 500])
        #expect(kept.steps.isEmpty)
        // A curve without a current budget has nowhere to move: its bounds are both 0.
        let idle = BudgetReallocation(
            envelopeMinor: 1000, approvedMinor: [.search: 5], curves: [.search: search, .display: display])
        #expect(idle.lines.map(\.proposedMinor) == [1000, 0])
        #expect(idle.lines.map(\.reason) == [.gains, .bounded])
        // Under 100 minor units a step is one minor unit.
        let small = BudgetReallocation(
            envelopeMinor: 57, approvedMinor: [.search: 1, .display: 1], curves: [.search: search, .display: display])
        #expect(small.stepMinor == 1)
        #expect(small.lines.map(\.proposedMinor).reduce(0, +) == 57)
        #expect(small.steps.allSatisfy { $0.amountMinor == 1 })
        // An envelope of 0.
        let none = BudgetReallocation(envelopeMinor: 0, approvedMinor: [.search: 5], curves: [.search: search])
        #expect(none.lines.map(\.proposedMinor) == [0])
    }

    /// Random envelopes, budgets, curves and bounds: every amount inside its bounds, a channel
    /// without a curve at its current amount, shares summing to 10,000 and amounts to the envelope,
    /// and no step of the envelope moved from one curve channel to another gains revenue beyond one
    /// step's rounding: for channels i and j, what a step brings j at its proposal is at most what
    /// i's step before its last brought (greedy hands out steps by gain; curves are concave).
    @Test func randomProposalsKeepBoundsSumAndGreedyOptimality() {
        var random = SeededRandom(seed: 0x2026_0026)
        var moves = 0
        for _ in 0..<2000 {
            var approved: [Channel: Int64] = [:]
            var curves: [Channel: ResponseCurve] = [:]
            for channel in Channel.allCases {
                if random.next(3) > 0 { approved[channel] = Int64(random.next(3) == 0 ? 0 : random.next(2_000_000)) }
                if random.next(3) > 0 {
                    let alpha = 0.05 + 0.95 * Double(random.next(1001)) / 1000
                    curves[channel] = ResponseCurve(alpha: alpha, beta: pow(10, Double(random.next(501)) / 100 - 2))
                }
            }
            let envelope = Int64([random.next(100), random.next(100_000), random.next(1_000_000_000)][random.next(3)])
            let bound = Int64(random.next(4) == 0 ? random.next(10_001) : 3000)
            let p = BudgetReallocation(
                envelopeMinor: envelope, approvedMinor: approved, curves: curves, boundBps: bound)
            let context = "envelope \(envelope) bound \(bound) approved \(approved) curves \(curves)"
            let listed = Channel.allCases.filter { (approved[$0] ?? 0) > 0 || curves[$0] != nil }
            #expect(p.lines.map(\.channel) == listed, "\(context)")
            guard !p.lines.isEmpty else { continue }
            #expect(p.lines.map(\.proposedMinor).reduce(0, +) == envelope, "\(context)")
            #expect(p.lines.map(\.currentMinor).reduce(0, +) == envelope, "\(context)")
            #expect(p.lines.map(\.currentShareBps).reduce(0, +) == 10_000, "\(context)")
            for line in p.lines {
                #expect(line.lowerBoundMinor <= line.proposedMinor, "\(context)")
                #expect(line.proposedMinor <= line.upperBoundMinor, "\(context)")
                if line.curve == nil { #expect(line.proposedMinor == line.currentMinor, "\(context)") }
            }
            let step = p.stepMinor
            for i in p.lines where i.curve != nil && i.proposedMinor - step >= i.lowerBoundMinor {
                for j in p.lines where j.channel != i.channel && j.proposedMinor + step <= j.upperBoundMinor {
                    guard let ci = i.curve, let cj = j.curve else { continue }
                    moves += 1
                    func gain(_ curve: ResponseCurve, from spend: Int64) -> Double {
                        curve.revenue(at: Double(spend + step)) - curve.revenue(at: Double(spend))
                    }
                    let intoJ = gain(cj, from: j.proposedMinor)
                    let iStepBeforeLast = gain(ci, from: max(0, i.proposedMinor - 2 * step))
                    let tolerance = 1e-9 * (ci.revenue(at: Double(i.proposedMinor)) + cj.revenue(at: Double(envelope)))
                    #expect(intoJ <= iStepBeforeLast + tolerance, "\(i.channel) → \(j.channel): \(context)")
                }
            }
        }
        #expect(moves > 2500)
    }
}
