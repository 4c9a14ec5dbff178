import Analytics
import AnalyticsStore
import Foundation
import TestSupport
import Testing
import TriadEvents
import TriadStorage

/// The data-driven reading on both stores: journeys read from IT's tables (touches, orders with the
/// campaign a purchase named), the rule-based shares of the same window, and the latest computation
/// kept and compared.
@Suite struct MarkovStoreTests {
    static let analytics = Analytics(policy: AnalyticsPolicy(currency: "EUR"))

    static func at(_ time: String) -> Timestamp { Timestamp(iso8601: "2026-11-01T\(time)Z")! }

    static func interaction(
        _ customer: String, _ kind: InteractionKind, _ time: String, campaign: String? = nil, order: String? = nil,
        revenue: Int64? = nil
    ) -> DomainEvent {
        .customerInteraction(
            CustomerInteraction(
                customerId: customer, kind: kind, occurredAt: at(time), campaignId: campaign, orderId: order,
                revenue: revenue.map { Money(amountMinor: $0, currency: "EUR") }))
    }

    /// u-1 clicks c-a then c-b and buys 60.00 (a conversion through a, b); u-2 clicks c-b and buys
    /// nothing (null); u-3 buys 40.00 naming c-c with no touch (a conversion through c); u-4 buys
    /// 10.00 organically (nothing). T is 12:00. u-0's click and purchase, just over a window before
    /// T, lie outside (`theReadingOfTheTables` applies them first).
    ///
    /// Chain: start → a, b, c 1/3 each; a → b; b → conversion 1/2, null 1/2; c → conversion.
    /// P = (1/2 + 1/2 + 1) / 3 = 2/3; without a 1/2 (RE 1/4), without b 1/3 (RE 1/2), without c 1/3
    /// (RE 1/2): shares 1/5, 2/5, 2/5. Rules over 100.00 of orders: last touch b 60, c 40; first touch
    /// a 60, c 40; linear a 30, b 30, c 40.
    static let seed: [DomainEvent] = [
        interaction("u-1", .click, "10:00:00", campaign: "c-a"),
        interaction("u-1", .click, "10:30:00", campaign: "c-b"),
        interaction("u-1", .purchase, "11:00:00", order: "o-1", revenue: 6000),
        interaction("u-2", .click, "10:00:00", campaign: "c-b"),
        interaction("u-3", .purchase, "12:00:00", campaign: "c-c", order: "o-3", revenue: 4000),
        interaction("u-4", .purchase, "12:00:00", order: "o-4", revenue: 1000),
    ]

    static func shares(_ bps: [(String, Int64)]) -> [CampaignShare] {
        bps.map { CampaignShare(campaignId: $0.0, bps: $0.1) }
    }

    static let expected = AttributionMarkovComputed(
        computedAt: at("12:00:00"), from: at("12:00:00").adding(milliseconds: -30 * AnalyticsPolicy.day),
        to: at("12:00:00"), journeys: 3, conversions: 2, shares: shares([("c-a", 2000), ("c-b", 4000), ("c-c", 4000)]),
        ruleShares: [
            .lastTouch: shares([("c-b", 6000), ("c-c", 4000)]), .firstTouch: shares([("c-a", 6000), ("c-c", 4000)]),
            .linear: shares([("c-a", 3000), ("c-b", 3000), ("c-c", 4000)]),
            // Time decay: a's click half an hour before b's, at a 168 h half-life, weighs
            // 2^(−0.5/168) ≈ 0.99794 to b's 1: of o-1's 6000, a 2996.91 → 2997, b 3003.09 → 3003.
            .timeDecay: shares([("c-a", 2997), ("c-b", 3003), ("c-c", 4000)]),
            .positionBased: shares([("c-a", 3000), ("c-b", 3000), ("c-c", 4000)]),
        ])

    @Test(arguments: Store.allCases) func theReadingOfTheTables(_ store: Store) async throws {
        let database = try await store.open("it_markov", migrations: Migrations.shared + AnalyticsSchema.migrations)
        let window = Self.analytics.policy.attributionWindowMilliseconds
        #expect(try await MarkovComputation.compute(window: window, in: database) == nil)
        #expect(try await database.read { try MarkovTable.latest(in: $0) } == nil)
        let old = Self.at("12:00:00").adding(milliseconds: -window - 1)
        let batches = [
            [
                DomainEvent.customerInteraction(
                    CustomerInteraction(
                        customerId: "u-0", kind: .click, occurredAt: old.adding(milliseconds: -1000),
                        campaignId: "c-old")),
                .customerInteraction(
                    CustomerInteraction(
                        customerId: "u-0", kind: .purchase, occurredAt: old, orderId: "o-0",
                        revenue: Money(amountMinor: 500, currency: "EUR"))),
            ],
            Self.seed,
        ]
        for (number, batch) in batches.enumerated() {
            let events = batch.enumerated().map { index, event in
                incoming(event, id: "e-\(number)-\(index)", topic: .customerInteractions)
            }
            _ = try await database.transaction { try AnalyticsBatch.apply(events, analytics: Self.analytics, in: $0) }
        }
        let computed = try #require(try await MarkovComputation.compute(window: window, in: database))
        #expect(computed == Self.expected)
        // Read a customer at a time, the reading is the same.
        #expect(try await MarkovComputation.compute(window: window, in: database, customersPerRead: 1) == computed)

        #expect(try await database.transaction { try MarkovTable.record(computed, in: $0) })
        #expect(try await database.read { try MarkovTable.latest(in: $0) } == computed)
        // Only the window moved: it is kept, but nothing is announced.
        var moved = computed
        moved.computedAt = moved.computedAt.adding(milliseconds: 1)
        moved.from = moved.from.adding(milliseconds: 1)
        moved.to = moved.to.adding(milliseconds: 1)
        let later = moved
        #expect(try await database.transaction { try MarkovTable.record(later, in: $0) } == false)
        #expect(try await database.read { try MarkovTable.latest(in: $0) } == later)
        // Fewer shares: the ones gone are gone from the table too.
        var fewer = computed
        fewer.shares = Self.shares([("c-c", 10_000)])
        fewer.ruleShares = [.lastTouch: Self.shares([("c-c", 10_000)])]
        let changed = fewer
        #expect(try await database.transaction { try MarkovTable.record(changed, in: $0) })
        #expect(try await database.read { try MarkovTable.latest(in: $0) } == changed)
        await database.close()
    }
}
