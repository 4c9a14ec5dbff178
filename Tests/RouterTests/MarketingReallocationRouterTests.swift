import Foundation
import HTTPTypes
import Marketing
import TestSupport
import Testing
import TriadEvents

@testable import marketing_service

/// What the board reads of finance's reallocation through marketing's routes, on both stores: each
/// campaign's projection on `GET /campaigns/{id}` and in the briefing, the briefing's `reallocation`
/// and `acquisition` (absent before finance's first), and the page drawing them.
@Suite struct MarketingReallocationRouterTests {
    let eur = Currency.euro

    /// 2027-Q1's 10,000.00 EUR under linear: search 6,000.00 → 4,200.00 (expected 9,000.00 → 7,560.00,
    /// marginal ROAS 90 %), social 4,000.00 → 5,800.00 (4,500.00 → 6,480.00, 135 %), email nothing
    /// without a curve. Gain −1,440.00 + 1,980.00 = 540.00.
    func proposal(revision: Int64) -> ReallocationProposed {
        ReallocationProposed(
            quarter: Quarter("2027-Q1")!, model: .linear, envelope: eur.money(1_000_000),
            channels: [
                ChannelAllocation(
                    channel: .search, currentShareBps: 6000, current: eur.money(600_000), proposed: eur.money(420_000),
                    expectedRevenueCurrent: eur.money(900_000), expectedRevenueProposed: eur.money(756_000),
                    marginalRoasBps: 9000, reason: .belowBreakEven),
                ChannelAllocation(
                    channel: .social, currentShareBps: 4000, current: eur.money(400_000), proposed: eur.money(580_000),
                    expectedRevenueCurrent: eur.money(450_000), expectedRevenueProposed: eur.money(648_000),
                    marginalRoasBps: 13_500, reason: .gains),
                ChannelAllocation(
                    channel: .email, currentShareBps: 0, current: eur.money(0), proposed: eur.money(0),
                    expectedRevenueCurrent: nil, expectedRevenueProposed: nil, marginalRoasBps: nil,
                    reason: .notEnoughHistory),
            ], revision: revision)
    }

    /// 2026-Q4: 900.00 of spend, 2,000.01 of revenue, 4 orders, 3 new customers.
    func acquisition(_ quarter: String, revision: Int64, newCustomers: Int64) -> DomainEvent {
        .acquisitionReported(
            AcquisitionReported(
                quarter: Quarter(quarter)!, spend: eur.total(90_000), revenue: eur.total(200_001), orders: 4,
                newCustomers: newCustomers, revision: revision))
    }

    /// A Money's minor units, when it is one in euros.
    static func money(_ value: Any?) -> Int? {
        guard let money = value as? [String: Any], money["currency"] as? String == "EUR" else { return nil }
        return money["amountMinor"] as? Int
    }

    @Test(arguments: Store.allCases) func theBriefingCarriesTheSplitTheFiguresAndTheProjections(store: Store)
        async throws
    {
        let marketing = MarketingRouterTests()
        let service = try await RouterUnderTest(
            .marketing, MarketingService.definition(briefing: BriefingPolicy()), store: store)
        try await service.test { client in
            for (id, channel) in [("c-a", "search"), ("c-b", "social")] {
                let planned = try await client.call(.post, "/campaigns", json: marketing.planBody(id, channel: channel))
                #expect(planned.status == .created)
            }
            let campaign = try await client.object("/campaigns/c-a")
            #expect(campaign["projection"] == nil, "undecided")
            let briefing = try await client.object("/briefing")
            #expect(briefing["reallocation"] == nil && briefing["acquisition"] == nil, "absent before finance's first")
        }
        let q4 = Quarter("2026-Q4")!
        try await service.apply([
            .budgetApproved(
                BudgetApproved(
                    campaignId: "c-a", approvedBudget: eur.money(500_000), quarter: q4,
                    projectedRevenue: eur.money(650_000), projectedRoiBps: 3000, projectionReason: .curve)),
            .budgetRejected(
                BudgetRejected(
                    campaignId: "c-b", reason: .insufficientEnvelope, requestedBudget: eur.money(500_000), quarter: q4,
                    projectionReason: .notEnoughHistory)),
            .reallocationProposed(proposal(revision: 1)),
            acquisition("2026-Q3", revision: 8, newCustomers: 9),
            acquisition("2026-Q4", revision: 1, newCustomers: 3),
            .customerAcquired(
                CustomerAcquired(
                    customerId: "u-1", orderId: "o-1", campaignId: "c-a",
                    occurredAt: Timestamp(iso8601: "2026-11-02T10:00:00Z")!)),
        ])
        try await service.test { client in
            let campaign = try await client.object("/campaigns/c-a")
            let projection = try #require(campaign["projection"] as? [String: Any])
            #expect(Self.money(projection["projectedRevenue"]) == 650_000)
            #expect(projection["projectedRoiBps"] as? Int == 3000 && projection["reason"] as? String == "curve")
            let rejected = try await client.object("/campaigns/c-b")
            let none = try #require(rejected["projection"] as? [String: Any])
            #expect(none["reason"] as? String == "not-enough-history")
            #expect(none["projectedRevenue"] as? [String: Any] == nil && none["projectedRoiBps"] as? Int == nil)

            let briefing = try await client.object("/briefing")
            let lines = Dictionary(
                uniqueKeysWithValues: (briefing["campaigns"] as? [[String: Any]] ?? []).map {
                    ($0["campaignId"] as? String ?? "", $0)
                })
            let line = (lines["c-a"]?["projection"] as? [String: Any]) ?? [:]
            #expect(line["projectedRoiBps"] as? Int == 3000 && lines["c-a"]?["targetRoiBps"] as? Int == 15_000)

            let reallocation = try #require(briefing["reallocation"] as? [String: Any])
            #expect(reallocation["quarter"] as? String == "2027-Q1" && reallocation["model"] as? String == "linear")
            #expect(reallocation["revision"] as? Int == 1)
            #expect(Self.money(reallocation["envelope"]) == 1_000_000)
            #expect(Self.money(reallocation["expectedRevenueGain"]) == 54_000)
            let channels = reallocation["channels"] as? [[String: Any]] ?? []
            #expect(channels.map { $0["channel"] as? String } == ["search", "social", "email"])
            #expect(channels.map { $0["currentShareBps"] as? Int } == [6000, 4000, 0])
            #expect(
                channels.map { ($0["proposed"] as? [String: Any])?["amountMinor"] as? Int } == [420_000, 580_000, 0])
            #expect(
                channels.map { ($0["expectedRevenueProposed"] as? [String: Any])?["amountMinor"] as? Int } == [
                    756_000, 648_000, nil,
                ])
            #expect(channels.map { $0["marginalRoasBps"] as? Int } == [9000, 13_500, nil])
            #expect(
                channels.map { $0["reason"] as? String } == ["below-break-even", "gains", "not-enough-history"])

            // 90,000 over 3 new customers and over 4 orders; 200,001 × 10,000 / 90,000 floored.
            let acquisition = try #require(briefing["acquisition"] as? [String: Any])
            #expect(Set(acquisition.keys) == ["quarter", "newCustomers", "cacMinor", "costPerOrderMinor", "merBps"])
            #expect(acquisition["quarter"] as? String == "2026-Q4" && acquisition["newCustomers"] as? Int == 3)
            #expect(acquisition["cacMinor"] as? Int == 30_000 && acquisition["costPerOrderMinor"] as? Int == 22_500)
            #expect(acquisition["merBps"] as? Int == 22_222)

            let page = try await client.call(.get, "/").body
            #expect(page.contains("<tr data-channel=\"social\"><td>social</td>"))
            #expect(page.contains("<td data-figure=\"gain\"><span class=\"negative\">−1,440.00 EUR</span></td>"))
            #expect(page.contains("<span data-figure=\"reallocation-gain\">540.00 EUR</span>"))
            #expect(page.contains("<strong data-figure=\"acquisition-cac\">300.00 EUR</strong>"))
            #expect(page.contains("<strong data-figure=\"acquisition-mer\">222.22 %</strong>"))
            #expect(page.contains("<span data-figure=\"projected-roi\">30.00 %</span>"))
            #expect(page.contains("<small data-figure=\"projected-revenue\">6,500.00 EUR</small>"))
            let rejectedRow = page.components(separatedBy: "<tr data-campaign=\"c-b\">").last ?? ""
            #expect(
                rejectedRow.contains(
                    "<td class=\"projection\"><span data-figure=\"projected-roi\">–</span>"
                        + "<small data-figure=\"projection-reason\">not-enough-history</small></td>"),
                "no revenue without a curve: \(rejectedRow)")
        }
        // A newer revision replaces the proposal, an older copy changes nothing.
        var newer = proposal(revision: 2)
        newer.channels.removeLast()
        try await service.apply([.reallocationProposed(newer), .reallocationProposed(proposal(revision: 1))])
        try await service.test { client in
            let reallocation = try await client.object("/briefing")["reallocation"] as? [String: Any] ?? [:]
            #expect(reallocation["revision"] as? Int == 2)
            #expect((reallocation["channels"] as? [Any])?.count == 2)
        }
    }
}
