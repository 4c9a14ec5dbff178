import Analytics
import Foundation
import HTTPTypes
import TestSupport
import Testing
import TriadEvents
import TriadRuntime
import TriadStorage

@testable import it_service

/// IT's routes in-process: counters, organic totals, customers, attributions, with their filters and pages.
@Suite struct AnalyticsRouterTests {
    static let analytics = Analytics(policy: AnalyticsPolicy(currency: "EUR"))

    func at(_ text: String) -> Timestamp { Timestamp(iso8601: "2026-11-01T\(text)Z")! }

    func interaction(
        _ customer: String, _ kind: InteractionKind, _ time: String, campaign: String? = nil, segment: String? = nil,
        order: String? = nil, revenue: Int64? = nil
    ) -> DomainEvent {
        .customerInteraction(
            CustomerInteraction(
                customerId: customer, kind: kind, occurredAt: at(time), campaignId: campaign, segment: segment,
                orderId: order,
                revenue: revenue.map { Money(amountMinor: $0, currency: "EUR") }))
    }

    /// u-1 buys 50.00 after a click on c-a; u-2 buys 20.00 with no touch (organic); u-3, u-4 (young) and
    /// u-5 (old) unsubscribe; u-6 sees c-b.
    func seeded() async throws -> RouterUnderTest {
        let service = try await RouterUnderTest(.it, ITService.definition(analytics: Self.analytics))
        try await service.apply([
            interaction("u-1", .click, "10:00:00", campaign: "c-a", segment: "young"),
            interaction("u-1", .purchase, "11:00:00", order: "o-1", revenue: 5000),
            interaction("u-2", .purchase, "12:00:00", segment: "old", order: "o-2", revenue: 2000),
            interaction("u-3", .unsubscribe, "12:01:00", segment: "young"),
            interaction("u-4", .unsubscribe, "12:02:00", segment: "young"),
            interaction("u-5", .unsubscribe, "12:03:00", segment: "old"),
            interaction("u-6", .impression, "12:04:00", campaign: "c-b", segment: "old"),
        ])
        return service
    }

    @Test func countersAndOrganicTotalsAreExact() async throws {
        try await seeded().test { client in
            let performance = try await client.object("/campaigns/c-a/performance")
            #expect(performance["clicks"] as? Int == 1 && performance["purchases"] as? Int == 1)
            #expect((performance["revenue"] as? [String: Any])?["amountMinor"] as? Int == 5000)
            let missing = try await client.refusal(.get, "/campaigns/c-none/performance")
            #expect(missing.status == .notFound && missing.field == "id")

            let organic = try await client.object("/organic")
            #expect(organic["purchases"] as? Int == 1 && organic["revenueMinor"] as? Int == 2000)

            for (limit, pages) in [(1, [1, 1]), (2, [2]), (100, [2])] {
                let walked = try await client.walk("/campaigns", limit: limit)
                #expect(
                    walked.pages == pages && walked.items.compactMap { $0["campaignId"] as? String } == ["c-a", "c-b"])
            }
            #expect(try await client.walk("/campaigns", limit: 1).items.last?["impressions"] as? Int == 1)
        }
    }

    @Test func aCustomerIsReadWithTheirTouches() async throws {
        try await seeded().test { client in
            let customer = try await client.object("/customers/u-1")
            #expect(customer["segment"] as? String == "young" && customer["purchases"] as? Int == 1)
            #expect(customer["atRisk"] as? Bool == false)
            #expect((customer["touches"] as? [[String: Any]])?.first?["campaignId"] as? String == "c-a")
            let missing = try await client.refusal(.get, "/customers/u-none")
            #expect(missing.status == .notFound && missing.field == "id")
        }
    }

    @Test func customersAtRiskAreListedBySegmentWithTheirReason() async throws {
        try await seeded().test { client in
            let all = try await client.walk("/customers?atRisk=true", limit: 2)
            #expect(all.pages == [2, 1])
            #expect(all.items.compactMap { $0["customerId"] as? String } == ["u-3", "u-4", "u-5"])
            #expect(all.items.allSatisfy { $0["reason"] as? String == "unsubscribed" })
            let young = try await client.walk("/customers?atRisk=true&segment=young", limit: 2)
            #expect(young.pages == [2] && young.items.compactMap { $0["customerId"] as? String } == ["u-3", "u-4"])
            #expect(try await client.walk("/customers?atRisk=true&segment=nobody", limit: 2).pages == [0])

            let refused = try await client.refusal(.get, "/customers?atRisk=false")
            #expect(refused.status == .badRequest && refused.field == "atRisk")
            let badCursor = try await client.refusal(.get, "/customers?atRisk=true&after=u-3")
            #expect(badCursor.status == .badRequest && badCursor.field == "after")
        }
    }

    @Test func attributionsNameTheirCampaignOrNone() async throws {
        try await seeded().test { client in
            let all = try await client.walk("/attributions", limit: 1)
            #expect(all.pages == [1, 1])
            #expect(all.items.compactMap { $0["orderId"] as? String } == ["o-1", "o-2"])
            #expect(all.items.first?["campaignId"] as? String == "c-a")
            #expect(all.items.last?["campaignId"] == nil, "an organic order has no campaign")
            #expect((all.items.first?["revenue"] as? [String: Any])?["amountMinor"] as? Int == 5000)

            let ofCampaign = try await client.walk("/attributions?campaign=c-a", limit: 10)
            #expect(ofCampaign.items.compactMap { $0["orderId"] as? String } == ["o-1"])
            #expect(try await client.walk("/attributions?campaign=c-b", limit: 10).items.isEmpty)
            let refused = try await client.refusal(.get, "/attributions?limit=0")
            #expect(refused.status == .badRequest && refused.field == "limit")
        }
    }

    /// One order's credits under every model: o-1 wholly c-a's, o-2 organic, and o-3 after touches of
    /// c-a and c-b (30.00: linear 15.00 each, first touch c-a's, last touch c-b's).
    @Test func anOrdersCreditsUnderEveryModel() async throws {
        let service = try await seeded()
        try await service.apply([
            interaction("u-7", .click, "13:00:00", campaign: "c-a"),
            interaction("u-7", .visit, "14:00:00", campaign: "c-b"),
            interaction("u-7", .purchase, "15:00:00", order: "o-3", revenue: 3000),
        ])
        try await service.test { client in
            func credits(_ order: [String: Any], _ model: AttributionModel) -> [String] {
                ((order["credits"] as? [String: Any])?[model.rawValue] as? [[String: Any]] ?? []).map {
                    let revenue = ($0["revenue"] as? [String: Any])?["amountMinor"] as? Int
                    return "\($0["campaignId"] as? String ?? "") \($0["bps"] as? Int ?? -1) \(revenue ?? -1)"
                }
            }
            let whole = try await client.object("/attributions/o-1")
            #expect(whole["orderId"] as? String == "o-1" && whole["customerId"] as? String == "u-1")
            #expect(whole["campaignId"] as? String == "c-a")
            #expect((whole["occurredAt"] as? String).flatMap { Timestamp(iso8601: $0) } == at("11:00:00"))
            #expect((whole["revenue"] as? [String: Any])?["amountMinor"] as? Int == 5000)
            #expect((whole["credits"] as? [String: Any])?.count == AttributionModel.allCases.count)
            for model in AttributionModel.allCases { #expect(credits(whole, model) == ["c-a 10000 5000"]) }

            let shared = try await client.object("/attributions/o-3")
            #expect(shared["campaignId"] as? String == "c-b")
            #expect(credits(shared, .lastTouch) == ["c-b 10000 3000"])
            #expect(credits(shared, .firstTouch) == ["c-a 10000 3000"])
            #expect(credits(shared, .linear) == ["c-a 5000 1500", "c-b 5000 1500"])
            #expect(credits(shared, .positionBased) == ["c-a 5000 1500", "c-b 5000 1500"])

            let organic = try await client.object("/attributions/o-2")
            #expect(organic["campaignId"] is NSNull, "an organic order's campaign is null")
            #expect((organic["credits"] as? [String: Any])?.isEmpty == true)

            let unknown = try await client.refusal(.get, "/attributions/o-none")
            #expect(unknown.status == .notFound && unknown.field == "orderId")
        }
    }

    /// An id no identifier can be (a NUL, over 200 bytes) names nothing, in a path, a filter or a
    /// page cursor, on both stores: PostgreSQL refuses a NUL in text, which answered 500.
    @Test(arguments: Store.allCases) func idsNoIdentifierCanBeNameNothing(store: Store) async throws {
        let service = try await RouterUnderTest(.it, ITService.definition(analytics: Self.analytics), store: store)
        try await service.apply([interaction("u-1", .click, "10:00:00", campaign: "c-a", segment: "young")])
        let nul = PageCursor.cursor(after: "\u{0}")
        try await service.test { client in
            let cases: [(String, HTTPResponse.Status, String)] = [
                ("/customers/%00", .notFound, "id"), ("/customers/u%00", .notFound, "id"),
                ("/customers/\(String(repeating: "u", count: 201))", .notFound, "id"),
                ("/campaigns/c%00/performance", .notFound, "id"),
                ("/customers?atRisk=true&segment=%00", .badRequest, "segment"),
                ("/attributions?campaign=c%00", .badRequest, "campaign"),
                ("/customers?atRisk=true&after=\(nul)", .badRequest, "after"),
                ("/attributions?after=\(nul)", .badRequest, "after"),
                ("/attributions/o%00", .notFound, "orderId"),
            ]
            for (path, status, field) in cases {
                let refused = try await client.refusal(.get, path)
                #expect(refused.status == status && refused.field == field, "\(path): \(refused)")
            }
            #expect(try await client.call(.get, "/customers/u-1").status == .ok)
        }
        await service.database.close()
    }
}
