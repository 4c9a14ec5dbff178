import Finance
import Foundation
import HTTPTypes
import TestSupport
import Testing
import TriadEvents
import TriadRuntime
import TriadStorage

@testable import finance_service

/// Finance's `GET /reallocation` on a hand-built history, and the coalesced
/// `triad.reallocation.proposed` reports: exact figures, refusals, one emission per change.
@Suite struct FinanceReallocationRouterTests {
    static let ledger = FinanceLedger(
        policy: BudgetPolicy(quarterlyEnvelope: Money(amountMinor: 10_000_000, currency: "EUR"), hurdleBps: 5000))

    func eur(_ minor: Int64) -> Money { Money(amountMinor: minor, currency: "EUR") }

    func plan(_ id: String, _ channel: Channel, _ requested: Int64) -> DomainEvent {
        .campaignPlanned(
            CampaignPlanned(
                campaignId: id, name: id, channel: channel, segment: "young", requestedBudget: eur(requested),
                startDate: CalendarDate(year: 2026, month: 10, day: 1)!,
                endDate: CalendarDate(year: 2026, month: 12, day: 31)!, targetRoiBps: 15_000))
    }

    /// One week's spend of `campaignId` and one order of `revenue` credited to it under last touch.
    func week(_ day: Int, _ campaignId: String, spend: Int64, revenue: Int64) -> [DomainEvent] {
        let time = Timestamp(iso8601: "2026-10-\(day < 10 ? "0" : "")\(day)T12:00:00Z")!
        return [
            .adSpendReported(AdSpendReported(campaignId: campaignId, amount: eur(spend), occurredAt: time)),
            .conversionAttributed(
                ConversionAttributed(
                    campaignId: campaignId, orderId: "o-\(campaignId)-\(day)", customerId: "u-\(day)",
                    revenue: eur(revenue), occurredAt: time,
                    credits: [.lastTouch: [CampaignCredit(campaignId: campaignId, bps: 10_000, revenue: eur(revenue))]])
            ),
        ]
    }

    /// 2026-Q4 approved 3,000,000 for search and 2,000,000 for social (shares 60 % / 40 %). Four weeks
    /// of October: search returns 3 per unit spent (R = 3·S, α = 1), social R = 1,000·√S a week
    /// (α = 0.5). Over a quarter of n weeks search stays 3·S; social is 1,000·√n·√S (`over(weeks:)`).
    func seeded(store: Store = .sqlite) async throws -> RouterUnderTest {
        let service = try await RouterUnderTest(.finance, FinanceService.definition(ledger: Self.ledger), store: store)
        try await service.apply([plan("c-search", .search, 3_000_000), plan("c-social", .social, 2_000_000)])
        for (index, day) in [5, 12, 19, 26].enumerated() {
            let n = Int64(index + 1)
            try await service.apply(
                week(day, "c-search", spend: 100_000 * n, revenue: 300_000 * n)
                    + week(day, "c-social", spend: 10_000 * n * n, revenue: 100_000 * n))
        }
        return service
    }

    func reports(_ service: RouterUnderTest) async throws -> [ReallocationProposed] {
        let reports = try #require(service.definition.reports)
        return try await service.database.transaction { session in try reports(session) }.compactMap {
            if case .reallocationProposed(let proposed) = $0 { return proposed }
            return nil
        }
    }

    @Test(arguments: Store.allCases) func theNextQuartersProposalIsExact(store: Store) async throws {
        try await seeded(store: store).test { client in
            let proposal = try await client.object("/reallocation")
            #expect(proposal["quarter"] as? String == "2027-Q1" && proposal["model"] as? String == "last-touch")
            #expect((proposal["envelope"] as? [String: Any])?["amountMinor"] as? Int == 10_000_000)
            let channels = try #require(proposal["channels"] as? [[String: Any]])
            func line(_ at: Int) -> [String: String] {
                channels[at].mapValues { value in
                    if let money = value as? [String: Any] { return "\(money["amountMinor"] ?? "?")" }
                    return "\(value)"
                }
            }
            // 2027-Q1 is 90 days, n = 90/7 weeks: social's quarterly curve is 1,000·√(90/7)·√S. The lower
            // bounds (70 %) take 7,000,000; the 30 steps of 100,000 all go to search, which gains 300,000 a
            // step against social's under 110,000, and stays under its upper bound.
            #expect(channels.count == 2)
            #expect(
                line(0) == [
                    "channel": "search", "currentShareBps": "6000", "current": "6000000", "proposed": "7200000",
                    "expectedRevenueCurrent": "18000000", "expectedRevenueProposed": "21600000",
                    "marginalRoasBps": "30000", "reason": "gains",
                ])
            // 1,000·√(90/7 × 4,000,000) = 7,171,371.66; 1,000·√(90/7 × 2,800,000) = 1,000·√36,000,000 =
            // 6,000,000; marginal ROAS there 0.5 × 6,000,000 / 2,800,000 = 1.0714: at its lower bound.
            #expect(
                line(1) == [
                    "channel": "social", "currentShareBps": "4000", "current": "4000000", "proposed": "2800000",
                    "expectedRevenueCurrent": "7171372", "expectedRevenueProposed": "6000000",
                    "marginalRoasBps": "10714", "reason": "bounded",
                ])
            #expect(
                try await client.object("/reallocation?quarter=2027-Q1&model=last-touch")["channels"] as? NSArray
                    == channels as NSArray)

            // No model but last touch credited anything: no curve, every channel keeps its share.
            let linear = try #require(
                try await client.object("/reallocation?model=linear")["channels"] as? [[String: Any]])
            #expect(
                linear.map { ($0["proposed"] as? [String: Any])?["amountMinor"] as? Int } == [6_000_000, 4_000_000])
            #expect(linear.map { $0["reason"] as? String } == ["not-enough-history", "not-enough-history"])
            #expect(linear.allSatisfy { $0["expectedRevenueCurrent"] == nil && $0["marginalRoasBps"] == nil })

            // 2026-Q4's proposal takes its shares from 2026-Q3, which approved nothing: the curves
            // share equally (5,000,000 each), then search takes every step to its upper bound. Over
            // 92/7 weeks social's marginal ROAS at 3,500,000 is 0.5·1,000·√(92/7 / 3,500,000) = 0.9689.
            let q4 = try #require(
                try await client.object("/reallocation?quarter=2026-Q4")["channels"] as? [[String: Any]])
            #expect(q4.map { ($0["proposed"] as? [String: Any])?["amountMinor"] as? Int } == [6_500_000, 3_500_000])
            #expect(q4.map { $0["reason"] as? String } == ["bounded", "below-break-even"])
            #expect(q4.map { $0["marginalRoasBps"] as? Int } == [30_000, 9689])
        }
    }

    @Test func badQuartersAndModelsAreRefusedByName() async throws {
        try await seeded().test { client in
            for quarter in ["", "2027-Q5", "2027Q1", "27-Q1", "0000-Q1"] {
                let refused = try await client.refusal(.get, "/reallocation?quarter=\(quarter)")
                #expect(refused.status == .badRequest && refused.field == "quarter", "quarter=\(quarter)")
            }
            for model in ["", "Linear", "markov"] {
                let refused = try await client.refusal(.get, "/reallocation?quarter=2027-Q1&model=\(model)")
                #expect(refused.status == .badRequest && refused.field == "model", "model=\(model)")
                #expect(refused.reason?.contains("last-touch, first-touch, linear") == true)
            }
        }
    }

    @Test func beforeAnyEventTimeOnlyANamedQuarterHasAProposal() async throws {
        try await RouterUnderTest(.finance, FinanceService.definition(ledger: Self.ledger)).test { client in
            let missing = try await client.refusal(.get, "/reallocation")
            #expect(missing.status == .notFound && missing.field == "quarter")
            let named = try await client.object("/reallocation?quarter=2027-Q1")
            #expect((named["channels"] as? [Any])?.isEmpty == true)
        }
    }

    @Test(arguments: Store.allCases) func aProposalIsEmittedOncePerChange(store: Store) async throws {
        let service = try await seeded(store: store)
        let first = try await reports(service)
        #expect(first.count == 1)
        #expect(first.first?.quarter.description == "2027-Q1" && first.first?.revision == 1)
        #expect(first.first?.channels.map(\.proposed.amountMinor) == [7_200_000, 2_800_000])
        #expect(try await reports(service).isEmpty)

        // A replayed order counts nothing; a fifth week moves the curves but not one step.
        try await service.apply(Array(week(26, "c-search", spend: 400_000, revenue: 1_200_000).dropFirst()))
        try await service.apply(week(28, "c-social", spend: 250_000, revenue: 500_000))
        #expect(try await reports(service).isEmpty)

        // Another search approval in 2026-Q4 moves the shares (4,000,000 to 2,000,000): revision 2.
        try await service.apply([plan("c-search-2", .search, 1_000_000)])
        let second = try await reports(service)
        #expect(second.map(\.revision) == [2])
        #expect(second.first?.channels.map(\.currentShareBps) == [6667, 3333])
        // Lower bounds 4,666,666 and 2,333,333; search takes the 30 steps and the last minor unit.
        #expect(second.first?.channels.map(\.proposed.amountMinor) == [7_666_667, 2_333_333])
        #expect(try await reports(service).isEmpty)

        // A social approval of 30 minor units moves the split by less than one step (100,000): not news.
        try await service.apply([plan("c-social-tiny", .social, 30)])
        try await service.test { client in
            let channels = try await client.object("/reallocation")["channels"] as? [[String: Any]] ?? []
            let amounts = channels.map { ($0["proposed"] as? [String: Any])?["amountMinor"] as? Int }
            #expect(amounts != [7_666_667, 2_333_333] && amounts.count == 2, "the split moved: \(amounts)")
        }
        #expect(try await reports(service).isEmpty)
    }
}
