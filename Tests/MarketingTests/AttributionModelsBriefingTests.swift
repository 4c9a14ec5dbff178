import Testing
import TriadEvents

@testable import Marketing

/// The briefing under every attribution model: ROI per model, which last-touch advice holds under
/// which models, the advice only other models give, and IT's data-driven shares. Figures are
/// hand-made ROI reports; ROI = (revenue − spend) × 10,000 / spend, floored.
@Suite struct AttributionModelsBriefingTests {
    let desk = CampaignDesk()
    let t0 = Timestamp(iso8601: "2026-12-01T09:00:00Z")!

    /// A live campaign with a 1,000,000 budget whose latest report has `spend` and, by model in
    /// order (last, first, linear, time decay, position), `revenues`; none: a report from before the models.
    static func live(
        _ id: String, target: Int64, spend: Int64, revenues: [Int64]?, lastTouch: Int64? = nil,
        status: CampaignCommand? = nil, in store: inout MarketingState
    ) throws {
        let desk = CampaignDesk()
        _ = try desk.plan(
            CampaignPlanned(
                campaignId: id, name: id, channel: .search, segment: "s",
                requestedBudget: Currency.euro.money(1_000_000),
                startDate: CalendarDate("2026-10-01")!, endDate: CalendarDate("2026-12-31")!, targetRoiBps: target),
            in: &store)
        _ = try desk.apply(
            .budgetApproved(
                BudgetApproved(
                    campaignId: id, approvedBudget: Currency.euro.money(1_000_000), quarter: Quarter("2026-Q4")!)),
            to: &store)
        _ = try desk.perform(.launch, on: id, in: &store)
        if let status { _ = try desk.perform(status, on: id, in: &store) }
        let byModel = revenues.map { revenues in
            Dictionary(
                uniqueKeysWithValues: zip(AttributionModel.allCases, revenues).map { model, revenue in
                    (
                        model,
                        ModelReturn(revenue: Currency.euro.total(revenue), conversionsBps: 10_000, spendMinor: spend)
                    )
                })
        }
        _ = try desk.apply(
            .roiReported(
                RoiReported(
                    campaignId: id, spend: Currency.euro.total(spend),
                    revenue: Currency.euro.total(lastTouch ?? revenues?.first ?? 0), conversions: 1, byModel: byModel)),
            to: &store)
    }

    /// Every case at once:
    /// - `a` (target 2,000, spend 300,000 of 1,000,000): ROI 20,000 / 20,000 / 5,000 / 1,000 / 10,000 —
    ///   scale holds under all but time decay;
    /// - `b` (target 1,000, spend 100,000): ROI 10,000 / 5,000 / 7,500 / 9,000 / 1,000 — scale is robust
    ///   (position-based exactly at the target);
    /// - `c` (spend 600,000, 60 %): ROI −5,000 / 1,666 / −1,667 / −2,500 / 0 — pause under last touch,
    ///   linear and time decay;
    /// - `d` (target 3,000, spend 200,000): ROI 0 / 5,000 / 3,000 / 2,500 / 2,999 — scale under first
    ///   touch and linear only;
    /// - `e` (spend 500,000, exactly 50 %): ROI 0 / −1 / 0 / 0 / 0 — pause under first touch only;
    /// - `f`: spend 0, no ROI under any model; `g`: paused, no advice; `h`: a report without models.
    func briefing(markov: [AttributionMarkovComputed] = []) throws -> Briefing {
        var store = MarketingState()
        try Self.live(
            "a", target: 2000, spend: 300_000, revenues: [900_000, 900_000, 450_000, 330_000, 600_000], in: &store)
        try Self.live(
            "b", target: 1000, spend: 100_000, revenues: [200_000, 150_000, 175_000, 190_000, 110_000], in: &store)
        try Self.live(
            "c", target: 2000, spend: 600_000, revenues: [300_000, 700_000, 500_000, 450_000, 600_000], in: &store)
        try Self.live(
            "d", target: 3000, spend: 200_000, revenues: [200_000, 300_000, 260_000, 250_000, 259_999], in: &store)
        try Self.live(
            "e", target: 2000, spend: 500_000, revenues: [500_000, 499_999, 500_000, 500_000, 500_000], in: &store)
        try Self.live("f", target: 2000, spend: 0, revenues: [10, 10, 10, 10, 10], in: &store)
        try Self.live("g", target: 0, spend: 100_000, revenues: [900_000, 0, 0, 0, 0], status: .pause, in: &store)
        try Self.live("h", target: 2000, spend: 100_000, revenues: nil, lastTouch: 300_000, in: &store)
        for customer in 0..<10 { _ = try desk.apply(churnRiskDetected("u\(customer)", "young", at: t0), to: &store) }
        for computed in markov { _ = try desk.apply(.attributionMarkovComputed(computed), to: &store) }
        return try Briefing.make(from: store, policy: BriefingPolicy(), currency: "EUR")
    }

    func roi(_ briefing: Briefing, _ id: String) -> [Int64?] {
        let line = briefing.campaigns.first { $0.campaignId == id }
        return AttributionModel.allCases.map { line?.roiByModel[$0] ?? nil }
    }

    @Test func roiUnderEveryModelIsNullWhileSpendIsZero() throws {
        let briefing = try briefing()
        #expect(roi(briefing, "a") == [20_000, 20_000, 5000, 1000, 10_000])
        #expect(roi(briefing, "c") == [-5000, 1666, -1667, -2500, 0])
        #expect(roi(briefing, "d") == [0, 5000, 3000, 2500, 2999])
        #expect(roi(briefing, "f") == [nil, nil, nil, nil, nil])
        #expect(roi(briefing, "h") == [20_000, nil, nil, nil, nil], "a report from before the models")
        #expect(briefing.campaigns.allSatisfy { $0.roiByModel[.lastTouch] == $0.roiBps })
    }

    @Test func eachRecommendationSaysWhichModelsItHoldsUnder() throws {
        let briefing = try briefing()
        let advice = briefing.recommendations.map {
            "\($0.action.rawValue) \($0.campaignId ?? $0.segment ?? ""): \($0.holdsUnder.map(\.rawValue)) \($0.robust)"
        }
        #expect(
            advice == [
                #"scale a: ["last-touch", "first-touch", "linear", "position-based"] false"#,
                #"scale b: ["last-touch", "first-touch", "linear", "time-decay", "position-based"] true"#,
                #"pause c: ["last-touch", "linear", "time-decay"] false"#,
                #"scale h: ["last-touch"] false"#,
                #"retention-campaign young: ["last-touch", "first-touch", "linear", "time-decay", "position-based"] true"#,
            ])
        #expect(
            briefing.onlyUnderOtherModels == [
                Briefing.OtherModelAdvice(action: .scale, campaignId: "d", holdsUnder: [.firstTouch, .linear]),
                Briefing.OtherModelAdvice(action: .pause, campaignId: "e", holdsUnder: [.firstTouch]),
            ])
    }

    @Test func reasonsAreWordedInBasisPointsOrPercentages() throws {
        let recommendations = try briefing().recommendations
        let pause = try #require(recommendations.first { $0.action == .pause })
        #expect(pause.grounds == Briefing.Grounds(roiBps: -5000, spendPercent: 50))
        #expect(pause.reason == "ROI -5000 bps is negative with spend at or over 50% of budget")
        #expect(pause.reason(.percentages) == "ROI −50.00 % is negative with spend at or over 50 % of budget")
        let scale = try #require(recommendations.first)
        #expect(scale.reason == "ROI 20000 bps meets the 2000 bps target with spend under 80% of budget")
        #expect(scale.reason(.percentages) == "ROI 200.00 % meets the 20.00 % target with spend under 80 % of budget")
        let retention = try #require(recommendations.last)
        #expect(retention.reason == "10 customers at churn risk (threshold 10)")
        #expect(retention.reason(.percentages) == retention.reason)
    }

    static func markov(at time: String, search bps: Int64) -> AttributionMarkovComputed {
        let to = Timestamp(iso8601: time)!
        return AttributionMarkovComputed(
            computedAt: to, from: to.adding(milliseconds: -30 * 86_400_000), to: to, journeys: 12, conversions: 3,
            shares: [CampaignShare(campaignId: "a", bps: 10_000 - bps), CampaignShare(campaignId: "b", bps: bps)],
            ruleShares: Dictionary(
                uniqueKeysWithValues: AttributionModel.allCases.map {
                    ($0, [CampaignShare(campaignId: "a", bps: 2500), CampaignShare(campaignId: "c", bps: 7500)])
                }))
    }

    @Test func dataDrivenIsAbsentBeforeTheFirstComputationThenTheLatest() throws {
        #expect(try briefing().dataDriven == nil)
        let newest = Self.markov(at: "2026-12-02T00:00:00Z", search: 6000)
        let older = Self.markov(at: "2026-12-01T00:00:00Z", search: 1000)
        let sameTime = Self.markov(at: "2026-12-02T00:00:00Z", search: 4000)
        #expect(
            try briefing(markov: [newest, older]).dataDriven == Briefing.DataDriven(newest), "an older one is ignored")
        #expect(try briefing(markov: [older, newest]).dataDriven == Briefing.DataDriven(newest))
        let latest = try #require(try briefing(markov: [newest, sameTime]).dataDriven)
        #expect(
            latest.shares == [CampaignShare(campaignId: "a", bps: 6000), CampaignShare(campaignId: "b", bps: 4000)])
        #expect(
            latest.ruleShares[.linear] == [
                CampaignShare(campaignId: "a", bps: 2500), CampaignShare(campaignId: "c", bps: 7500),
            ])
        #expect(
            latest.journeys == 12 && latest.conversions == 3
                && latest.from == Timestamp(iso8601: "2026-11-02T00:00:00Z")!)
    }

    @Test func theRulesOfEachActionAreExactAtTheirEdges() {
        let policy = BriefingPolicy()
        #expect(policy.scales(roiBps: 2000, targetRoiBps: 2000, spendMinor: 799, approvedMinor: 1000))
        #expect(!policy.scales(roiBps: 2000, targetRoiBps: 2000, spendMinor: 800, approvedMinor: 1000))
        #expect(!policy.scales(roiBps: 1999, targetRoiBps: 2000, spendMinor: 0, approvedMinor: 1000))
        #expect(policy.pauses(roiBps: -1, spendMinor: 500, approvedMinor: 1000))
        #expect(!policy.pauses(roiBps: -1, spendMinor: 499, approvedMinor: 1000))
        #expect(!policy.pauses(roiBps: 0, spendMinor: 1000, approvedMinor: 1000))
    }
}
