import Analytics
import AnalyticsStore
import Finance
import FinanceStore
import Marketing
import MarketingStore
import TestSupport
import Testing
import TriadEvents
import TriadStorage

/// An identifier is its UTF-8 bytes: `café` written with U+00E9 (NFC) and with `e` + U+0301 (NFD)
/// are two ids in memory, in SQL and in the briefing alike, even inside one batch, on both stores.
@Suite struct CanonicalEquivalenceTests {
    static let nfc = "caf\u{E9}"
    static let nfd = "cafe\u{301}"
    static let epoch = Timestamp(millisecondsSinceEpoch: 0)

    @Test func thePairIsOneStringButTwoKeys() {
        #expect(Self.nfc == Self.nfd)
        #expect(Self.nfc.utf8Key != Self.nfd.utf8Key)
        #expect(Set([Self.nfc.utf8Key, Self.nfd.utf8Key]).count == 2)
        #expect(
            [Self.nfd, Self.nfc, Self.nfd].distinctInByteOrder().map { Array($0.utf8) } == [
                Array(Self.nfd.utf8), Array(Self.nfc.utf8),
            ])
    }

    @Test(arguments: Store.allCases)
    func financeBooksEachSpellingOnItsOwnAccount(_ store: Store) async throws {
        let database = try await store.open("fin_nfc", migrations: Migrations.shared + FinanceSchema.migrations)
        let ledger = FinanceLedger(
            policy: BudgetPolicy(quarterlyEnvelope: Currency.euro.money(1_000_000), hurdleBps: 0))
        let spend = { (id: String, amount: Int64, event: String) in
            incoming(
                .adSpendReported(AdSpendReported(campaignId: id, amount: Currency.euro.money(amount))), id: event,
                topic: .adSpend, time: Self.epoch)
        }
        let conversion = { (campaign: String, order: String, event: String) in
            incoming(
                .conversionAttributed(
                    ConversionAttributed(
                        campaignId: campaign, orderId: order, customerId: "u", revenue: Currency.euro.money(5),
                        occurredAt: Timestamp(millisecondsSinceEpoch: 0))), id: event, topic: .attributions,
                time: Self.epoch)
        }
        let batch = [
            spend(Self.nfc, 10, "e-1"), spend(Self.nfd, 20, "e-2"), conversion("c", Self.nfc, "e-3"),
            conversion("c", Self.nfd, "e-4"),
        ]
        let (nfc, nfd) = try await database.transaction { session in
            _ = try FinanceBatch.apply(batch, ledger: ledger, in: session)
            return (try AccountsTable.account(Self.nfc, in: session), try AccountsTable.account(Self.nfd, in: session))
        }
        let c = try await database.transaction { try AccountsTable.account("c", in: $0) }
        await database.close()
        #expect(nfc?.spentMinor == 10)
        #expect(nfd?.spentMinor == 20)
        #expect(c?.conversions == 2, "two order ids that Unicode calls equivalent are two orders")
    }

    @Test(arguments: Store.allCases)
    func itKeepsEachSpellingAsItsOwnCustomer(_ store: Store) async throws {
        let database = try await store.open("it_nfc", migrations: Migrations.shared + AnalyticsSchema.migrations)
        let analytics = Analytics(policy: AnalyticsPolicy(currency: "EUR"))
        let at = Timestamp(iso8601: "2026-09-01T10:30:00Z")!
        let purchase = { (customer: String, order: String, segment: String, event: String) in
            incoming(
                .customerInteraction(
                    CustomerInteraction(
                        customerId: customer, kind: .purchase, occurredAt: at, campaignId: "c", segment: segment,
                        orderId: order,
                        revenue: Currency.euro.money(7))), id: event, topic: .customerInteractions, time: Self.epoch)
        }
        let batch = [
            purchase(Self.nfc, "o-1", Self.nfc, "e-1"), purchase(Self.nfd, "o-2", Self.nfd, "e-2"),
            purchase("u", Self.nfc, "s", "e-3"),
            purchase("u", Self.nfd, "s", "e-4"),
        ]
        let (nfc, nfd, counters) = try await database.transaction { session in
            _ = try AnalyticsBatch.apply(batch, analytics: analytics, in: session)
            return (
                try CustomersTable.customer(Self.nfc, in: session), try CustomersTable.customer(Self.nfd, in: session),
                try CampaignCountersTable.counters(of: "c", in: session)
            )
        }
        await database.close()
        #expect(nfc?.purchases == 1)
        #expect(nfd?.purchases == 1)
        #expect(nfc.map { Array($0.segment.utf8) } == Array(Self.nfc.utf8))
        #expect(nfd.map { Array($0.segment.utf8) } == Array(Self.nfd.utf8))
        #expect(counters?.purchases == 4, "orders o-1, o-2 and the two spellings of café")
        #expect(counters?.revenueMinor == 28)
    }

    @Test(arguments: Store.allCases)
    func theBriefingCountsEachSegmentSpelling(_ store: Store) async throws {
        let database = try await store.open("mkt_nfc", migrations: Migrations.shared + MarketingSchema.migrations)
        let at = Timestamp(iso8601: "2026-11-01T00:00:00Z")!
        let detected = { (customer: String, segment: String, event: String) in
            incoming(
                .churnRiskDetected(
                    ChurnRiskDetected(
                        customerId: customer, segment: segment, reason: .unsubscribed, lastActivityAt: nil,
                        detectedAt: at)),
                id: event, topic: .insights, time: Self.epoch)
        }
        let batch = [
            detected("u-1", Self.nfc, "e-1"), detected("u-2", Self.nfd, "e-2"), detected("u-3", Self.nfd, "e-3"),
        ]
        let briefing = try await database.transaction { session in
            _ = try MarketingBatch.apply(batch, desk: CampaignDesk(), in: session)
            return try BriefingQuery.briefing(policy: BriefingPolicy(), currency: "EUR", in: session)
        }
        await database.close()
        #expect(briefing.churnRiskBySegment[Self.nfc.utf8Key] == 1)
        #expect(briefing.churnRiskBySegment[Self.nfd.utf8Key] == 2)
        #expect(briefing.churnRiskPeriod?.bySegment[Self.nfc.utf8Key]?.flagged == 1)
        #expect(briefing.churnRiskPeriod?.bySegment[Self.nfd.utf8Key]?.flagged == 2)
    }

    @Test(arguments: Store.allCases)
    func appliedEventIdsKeepEachSpelling(_ store: Store) async throws {
        let database = try await store.open("ids_nfc", migrations: Migrations.shared)
        let keys = [
            AppliedEvents.Key(source: "/shop", id: Self.nfc), AppliedEvents.Key(source: "/shop", id: Self.nfd),
            AppliedEvents.Key(source: "/shop", id: Self.nfc),
        ]
        let new = try await database.transaction { try AppliedEvents.record(keys, at: 0, in: $0) }
        await database.close()
        #expect(new == [true, true, false])
    }
}
