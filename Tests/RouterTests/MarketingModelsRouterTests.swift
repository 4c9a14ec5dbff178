import Foundation
import HTTPTypes
import Marketing
import TestSupport
import Testing
import TriadEvents

@testable import marketing_service

/// The briefing's attribution models through marketing's tables, on both stores: each campaign's
/// figures under every model kept with finance's latest report (replaced by the next, gone with a
/// report that names none), and IT's latest data-driven reading (an older one changes nothing).
@Suite struct MarketingModelsRouterTests {
    let eur = Currency.euro

    /// ROI by model (last, first, linear, time decay, position): c-a (target 15,000, spend 100,000 of
    /// 500,000) 20,000 / 10,000 / 15,000 / 16,000 / 14,000; c-b 0 / 30,000 / 0 / 0 / 0.
    func report(_ id: String, revenues: [Int64]?) -> DomainEvent {
        .roiReported(
            RoiReported(
                campaignId: id, spend: eur.total(100_000), revenue: eur.total(revenues?.first ?? 300_000),
                conversions: 1,
                byModel: revenues.map { revenues in
                    Dictionary(
                        uniqueKeysWithValues: zip(AttributionModel.allCases, revenues).map {
                            ($0, ModelReturn(revenue: eur.total($1), conversionsBps: 5000, spendMinor: 100_000))
                        })
                }))
    }

    func markov(_ day: String, a: Int64) -> DomainEvent {
        let to = Timestamp(iso8601: "2026-12-\(day)T00:00:00Z")!
        return .attributionMarkovComputed(
            AttributionMarkovComputed(
                computedAt: to, from: to.adding(milliseconds: -86_400_000), to: to, journeys: 7, conversions: 2,
                shares: [CampaignShare(campaignId: "c-a", bps: a), CampaignShare(campaignId: "c-b", bps: 10_000 - a)],
                ruleShares: Dictionary(
                    uniqueKeysWithValues: AttributionModel.allCases.map {
                        ($0, [CampaignShare(campaignId: "c-a", bps: 10_000)])
                    })))
    }

    @Test(arguments: Store.allCases) func theModelsAndTheDataDrivenReadingAreKept(store: Store) async throws {
        let marketing = MarketingRouterTests()
        let service = try await RouterUnderTest(
            .marketing, MarketingService.definition(briefing: BriefingPolicy()), store: store)
        try await service.test { client in
            for id in ["c-a", "c-b", "c-c"] {
                let planned = try await client.call(.post, "/campaigns", json: marketing.planBody(id))
                #expect(planned.status == .created)
            }
        }
        try await service.apply(
            ["c-a", "c-b"].map {
                .budgetApproved(
                    BudgetApproved(campaignId: $0, approvedBudget: eur.money(500_000), quarter: Quarter("2026-Q4")!))
            })
        try await service.test { client in
            for id in ["c-a", "c-b"] {
                let launched = try await client.call(.post, "/campaigns/\(id)/launch")
                #expect(launched.status == .ok)
            }
            let before = try await client.object("/briefing")
            #expect(before["dataDriven"] == nil, "absent before the first reading")
        }
        try await service.apply([
            report("c-a", revenues: [300_000, 200_000, 250_000, 260_000, 240_000]),
            report("c-b", revenues: [100_000, 400_000, 100_000, 100_000, 100_000]),
            markov("02", a: 6000), markov("01", a: 1000),
        ])
        try await service.apply([markov("01", a: 2000)])
        try await service.test { client in
            let briefing = try await client.object("/briefing")
            let lines = Dictionary(
                uniqueKeysWithValues: (briefing["campaigns"] as? [[String: Any]] ?? []).map {
                    ($0["campaignId"] as? String ?? "", $0["roiByModel"] as? [String: Any] ?? [:])
                })
            #expect(
                lines["c-a"] as? [String: Int] == [
                    "last-touch": 20_000, "first-touch": 10_000, "linear": 15_000, "time-decay": 16_000,
                    "position-based": 14_000,
                ])
            #expect(lines["c-c"]?.count == 5 && lines["c-c"]?.values.allSatisfy { $0 is NSNull } == true)
            let advice = try #require((briefing["recommendations"] as? [[String: Any]])?.first)
            #expect(advice["action"] as? String == "scale" && advice["campaignId"] as? String == "c-a")
            #expect(advice["holdsUnder"] as? [String] == ["last-touch", "linear", "time-decay"])
            #expect(advice["robust"] as? Bool == false)
            #expect(
                advice["reason"] as? String == "ROI 20000 bps meets the 15000 bps target with spend under 80% of budget"
            )
            let other = briefing["onlyUnderOtherModels"] as? [[String: Any]]
            #expect(other?.count == 1 && other?.first?["campaignId"] as? String == "c-b")
            #expect(
                other?.first?["action"] as? String == "scale"
                    && other?.first?["holdsUnder"] as? [String] == ["first-touch"])
            let dataDriven = try #require(briefing["dataDriven"] as? [String: Any])
            #expect(dataDriven["computedAt"] as? String == "2026-12-02T00:00:00.000Z")
            #expect(dataDriven["from"] as? String == "2026-12-01T00:00:00.000Z")
            #expect(dataDriven["journeys"] as? Int == 7 && dataDriven["conversions"] as? Int == 2)
            func shares(_ list: Any?) -> [String] {
                (list as? [[String: Any]] ?? []).map { "\($0["campaignId"] ?? "?") \($0["bps"] ?? "?")" }
            }
            #expect(shares(dataDriven["shares"]) == ["c-a 6000", "c-b 4000"])
            let rules = dataDriven["ruleShares"] as? [String: Any]
            #expect(rules?.count == 5 && shares(rules?["time-decay"]) == ["c-a 10000"])
        }
        // A report naming no model (a finance from before the models) leaves last touch only.
        try await service.apply([report("c-a", revenues: nil)])
        try await service.test { client in
            let line = (try await client.object("/briefing")["campaigns"] as? [[String: Any]])?.first
            let roi = line?["roiByModel"] as? [String: Any]
            #expect(roi?["last-touch"] as? Int == 20_000 && roi?["linear"] is NSNull)
        }
    }
}
