import Finance
import Foundation
import HTTPTypes
import Testing
import TriadEvents
import TriadRuntime

@testable import finance_service

/// Finance's routes in-process: exact figures, pagination edges and refusals.
@Suite struct FinanceRouterTests {
    static let ledger = FinanceLedger(
        policy: BudgetPolicy(quarterlyEnvelope: Money(amountMinor: 10_000_000, currency: "EUR"), hurdleBps: 5000))

    func eur(_ minor: Int64) -> Money { Money(amountMinor: minor, currency: "EUR") }

    func plan(_ id: String, _ requested: Int64, targetRoiBps: Int64 = 15_000) -> DomainEvent {
        .campaignPlanned(
            CampaignPlanned(
                campaignId: id, name: id, channel: .search, segment: "young", requestedBudget: eur(requested),
                startDate: CalendarDate(year: 2026, month: 11, day: 1)!,
                endDate: CalendarDate(year: 2026, month: 12, day: 31)!,
                targetRoiBps: targetRoiBps))
    }

    /// c-a approved 40,000.00 of the 100,000.00 envelope and spent 1,000.00 for 3,000.00 of revenue;
    /// c-b asked more than is left; c-c aims under the hurdle.
    func seeded() async throws -> RouterUnderTest {
        let service = try await RouterUnderTest(.finance, FinanceService.definition(ledger: Self.ledger))
        try await service.apply([
            plan("c-a", 4_000_000), plan("c-b", 7_000_000), plan("c-c", 100_000, targetRoiBps: 1000),
        ])
        try await service.apply([
            .adSpendReported(AdSpendReported(campaignId: "c-a", amount: eur(100_000))),
            .conversionAttributed(
                ConversionAttributed(
                    campaignId: "c-a", orderId: "o-1", customerId: "u-1", revenue: eur(300_000),
                    occurredAt: Timestamp(iso8601: "2026-11-02T10:00:00Z")!)),
        ])
        return service
    }

    @Test func aCampaignsFiguresAreExact() async throws {
        try await seeded().test { client in
            let figures = try await client.object("/campaigns/c-a/roi")
            #expect(figures["decision"] as? String == "approved")
            #expect((figures["approvedBudget"] as? [String: Any])?["amountMinor"] as? Int == 4_000_000)
            #expect((figures["spend"] as? [String: Any])?["amountMinor"] as? Int == 100_000)
            #expect((figures["revenue"] as? [String: Any])?["amountMinor"] as? Int == 300_000)
            #expect(figures["conversions"] as? Int == 1)
            #expect(figures["roiBps"] as? Int == 20_000)
            #expect(figures["roasBps"] as? Int == 30_000)
            #expect(figures["cacMinor"] == nil)  // spend / new customers: none acquired
            #expect(figures["newCustomers"] as? Int == 0)
            #expect(figures["costPerOrderMinor"] as? Int == 100_000)  // spend / one order
            let rejected = try await client.object("/campaigns/c-b/roi")
            #expect(rejected["decision"] as? String == "rejected")
            #expect(rejected["rejectionReason"] as? String == "insufficient-envelope")
            #expect(
                try await client.object("/campaigns/c-c/roi")["rejectionReason"] as? String == "target-roi-below-hurdle"
            )

            let missing = try await client.refusal(.get, "/campaigns/c-none/roi")
            #expect(missing.status == .notFound && missing.code == "not-found" && missing.field == "id")
        }
    }

    @Test func theAccountsListPagesInIdOrder() async throws {
        try await seeded().test { client in
            for (limit, pages) in [(1, [1, 1, 1]), (2, [2, 1]), (3, [3]), (1000, [3])] {
                let walked = try await client.walk("/campaigns", limit: limit)
                #expect(walked.pages == pages, "limit \(limit)")
                #expect(walked.items.compactMap { $0["campaignId"] as? String } == ["c-a", "c-b", "c-c"])
            }
            // Without a limit, the default page holds everything here and says nothing follows.
            let all = try await client.object("/campaigns")
            #expect((all["items"] as? [Any])?.count == 3 && all["next"] == nil)
        }
    }

    @Test func anEmptyListIsOnePageWithoutNext() async throws {
        try await RouterUnderTest(.finance, FinanceService.definition(ledger: Self.ledger)).test { client in
            let page = try await client.object("/campaigns?limit=5")
            #expect((page["items"] as? [Any])?.isEmpty == true)
            #expect(page["next"] == nil)
        }
    }

    @Test func badCursorsAndLimitsAreRefusedByName() async throws {
        try await seeded().test { client in
            let first = try await client.object("/campaigns?limit=1")
            let next = try #require(first["next"] as? String)
            #expect(PageCursor.key(of: next) == "c-a")
            // A cursor continues where the last page ended, even for a key no longer present.
            let after = try await client.object("/campaigns?limit=5&after=\(PageCursor.cursor(after: "c-aa"))")
            #expect((after["items"] as? [[String: Any]])?.compactMap { $0["campaignId"] as? String } == ["c-b", "c-c"])

            let invalidUTF8 = Data([0xFF, 0xFE]).base64EncodedString().replacingOccurrences(of: "/", with: "_")
                .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "=", with: "")
            for cursor in [
                "", "not%20a%20cursor", "c-a", "YR", "YQ==", "Y", "%F0%9F%98%80", invalidUTF8,
                String(repeating: "QUFB", count: 2000),
            ] {
                let refused = try await client.refusal(.get, "/campaigns?after=\(cursor)")
                #expect(
                    refused.status == .badRequest && refused.code == "invalid-request" && refused.field == "after",
                    "after=\(cursor)")
            }
            for limit in ["0", "1001", "-1", "ten", "1.5", ""] {
                let refused = try await client.refusal(.get, "/campaigns?limit=\(limit)")
                #expect(refused.status == .badRequest && refused.field == "limit", "limit=\(limit)")
            }
        }
    }

    /// `seeded()` and order o-2 of 2,000.00: last touch c-a, first touch c-d, linear half each, time
    /// decay 75/25, position-based half each. c-d spent nothing and was never last touch.
    func sharedOrder() async throws -> RouterUnderTest {
        let service = try await seeded()
        let split = { (a: Int64, d: Int64) -> [CampaignCredit] in
            [
                CampaignCredit(campaignId: "c-a", bps: a, revenue: self.eur(a * 20)),
                CampaignCredit(campaignId: "c-d", bps: d, revenue: self.eur(d * 20)),
            ]
        }
        try await service.apply([
            .conversionAttributed(
                ConversionAttributed(
                    campaignId: "c-a", orderId: "o-2", customerId: "u-2", revenue: eur(200_000),
                    occurredAt: Timestamp(iso8601: "2026-11-03T10:00:00Z")!,
                    credits: [
                        .lastTouch: [CampaignCredit(campaignId: "c-a", bps: 10_000, revenue: eur(200_000))],
                        .firstTouch: [CampaignCredit(campaignId: "c-d", bps: 10_000, revenue: eur(200_000))],
                        .linear: split(5000, 5000), .timeDecay: split(7500, 2500), .positionBased: split(5000, 5000),
                    ]))
        ])
        return service
    }

    @Test func aCampaignsFiguresUnderEveryModelAreExact() async throws {
        try await sharedOrder().test { client in
            let figures = try await client.object("/campaigns/c-a/roi")
            // Spend 1,000.00; o-1 (3,000.00, version 1) is c-a's under every model.
            let byModel = try #require(figures["byModel"] as? [String: [String: Any]])
            #expect(byModel.keys.sorted() == AttributionModel.allCases.map(\.rawValue).sorted())
            func row(_ model: String) -> [Int?] {
                let figures = byModel[model]
                return [
                    (figures?["revenue"] as? [String: Any])?["amountMinor"] as? Int, figures?["conversionsBps"] as? Int,
                    figures?["roiBps"] as? Int, figures?["roasBps"] as? Int,
                ]
            }
            #expect(row("last-touch") == [500_000, 20_000, 40_000, 50_000])
            #expect(row("first-touch") == [300_000, 10_000, 20_000, 30_000])
            #expect(row("linear") == [400_000, 15_000, 30_000, 40_000])
            #expect(row("time-decay") == [450_000, 17_500, 35_000, 45_000])
            #expect(row("position-based") == [400_000, 15_000, 30_000, 40_000])
            // The unqualified figures are last touch's.
            #expect((figures["revenue"] as? [String: Any])?["amountMinor"] as? Int == 500_000)
            #expect(figures["conversions"] as? Int == 2 && figures["roiBps"] as? Int == 40_000)

            // c-d has an account though never last touch; no spend: no ROI.
            let d = try #require(try await client.object("/campaigns/c-d/roi")["byModel"] as? [String: [String: Any]])
            #expect((d["first-touch"]?["revenue"] as? [String: Any])?["amountMinor"] as? Int == 200_000)
            #expect(d["first-touch"]?["conversionsBps"] as? Int == 10_000)
            #expect(d["first-touch"]?["roiBps"] == nil && d["last-touch"]?["conversionsBps"] as? Int == 0)
        }
    }

    @Test func theListTakesAModel() async throws {
        try await sharedOrder().test { client in
            func figures(_ uri: String) async throws -> [String: [Int?]] {
                let items = try #require(try await client.object(uri)["items"] as? [[String: Any]])
                return Dictionary(
                    uniqueKeysWithValues: items.map { item in
                        (
                            item["campaignId"] as? String ?? "",
                            [
                                (item["revenue"] as? [String: Any])?["amountMinor"] as? Int, item["roiBps"] as? Int,
                                item["roasBps"] as? Int, item["conversions"] as? Int,
                            ]
                        )
                    })
            }
            let unqualified = try await figures("/campaigns")
            #expect(
                unqualified == [
                    "c-a": [500_000, 40_000, 50_000, 2], "c-b": [0, nil, nil, 0], "c-c": [0, nil, nil, 0],
                    "c-d": [0, nil, nil, 0],
                ])
            #expect(try await figures("/campaigns?model=last-touch") == unqualified)
            let linear = try await figures("/campaigns?model=linear")
            #expect(linear["c-a"] == [400_000, 30_000, 40_000, 2])
            #expect(linear["c-d"] == [100_000, nil, nil, 0])
            let timeDecay = try await figures("/campaigns?model=time-decay&limit=1")
            #expect(timeDecay == ["c-a": [450_000, 35_000, 45_000, 2]])

            for model in ["", "last_touch", "Linear", "markov", "data-driven"] {
                let refused = try await client.refusal(.get, "/campaigns?model=\(model)")
                #expect(
                    refused.status == .badRequest && refused.code == "invalid-request" && refused.field == "model",
                    "model=\(model)")
                #expect(refused.reason?.contains("last-touch, first-touch, linear, time-decay, position-based") == true)
            }
        }
    }

    @Test func theEnvelopeIsReservedAndGivenBackOnCompletion() async throws {
        let service = try await seeded()
        try await service.apply([.campaignCompleted(CampaignCompleted(campaignId: "c-a"))])
        try await service.test { client in
            let envelope = try await client.object("/envelope")
            #expect((envelope["quarterlyEnvelope"] as? [String: Any])?["amountMinor"] as? Int == 10_000_000)
            let quarters = try #require(envelope["quarters"] as? [[String: Any]])
            #expect(quarters.count == 1)
            #expect(quarters.first?["quarter"] as? String == "2026-Q4")
            // 40,000.00 approved, 39,000.00 of it unspent and given back on completion.
            #expect((quarters.first?["reserved"] as? [String: Any])?["amountMinor"] as? Int == 100_000)
            #expect((quarters.first?["remaining"] as? [String: Any])?["amountMinor"] as? Int == 9_900_000)
            #expect(
                (try await client.object("/campaigns/c-a/roi")["released"] as? [String: Any])?["amountMinor"] as? Int
                    == 3_900_000)

            let untouched = try await client.object("/envelope?quarter=2027-Q1")["quarters"] as? [[String: Any]]
            #expect((untouched?.first?["remaining"] as? [String: Any])?["amountMinor"] as? Int == 10_000_000)
            let refused = try await client.refusal(.get, "/envelope?quarter=2026-Q5")
            #expect(refused.status == .badRequest && refused.field == "quarter")
        }
    }
}
