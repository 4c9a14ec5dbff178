import Analytics
import Foundation
import HTTPTypes
import TestSupport
import Testing
import TriadEvents
import TriadRuntime
import TriadStorage
import TriadWire

@testable import it_service

/// `GET /attribution/markov` on both stores: 404 before the first computation, then the latest
/// reading; a refresh emits `triad.attribution.markov-computed` through the outbox only when the
/// reading changed.
@Suite struct MarkovRouterTests {
    static let analytics = Analytics(policy: AnalyticsPolicy(currency: "EUR"))

    static func interaction(
        _ customer: String, _ kind: InteractionKind, _ time: String, campaign: String? = nil, order: String? = nil,
        revenue: Int64? = nil
    ) -> DomainEvent {
        .customerInteraction(
            CustomerInteraction(
                customerId: customer, kind: kind, occurredAt: Timestamp(iso8601: "2026-11-01T\(time)Z")!,
                campaignId: campaign, orderId: order, revenue: revenue.map { Money(amountMinor: $0, currency: "EUR") }))
    }

    @Test(arguments: Store.allCases) func theLatestReadingIsServed(store: Store) async throws {
        let service = try await RouterUnderTest(.it, ITService.definition(analytics: Self.analytics), store: store)
        let codec = EventCodec(rules: ValidationRules(currency: .euro))
        let context = RouteContext(
            publisher: EventPublisher(codec: codec, source: "/triad/it"), codec: codec, config: service.config,
            logger: RouterUnderTest.quiet, database: service.database, nudgeRelay: {})
        let window = Self.analytics.policy.attributionWindowMilliseconds
        func emitted() async throws -> [String] {
            try await service.database.read { try Outbox.next(100, in: $0) }.map(\.eventType)
        }

        try await service.test { client in
            let missing = try await client.refusal(.get, "/attribution/markov")
            #expect(missing.status == .notFound)
        }
        // Nothing seen yet: nothing to compute.
        try await MarkovReading.refresh(window: window, in: context)
        #expect(try await emitted().isEmpty)

        // u-1: c-a, c-b, then buys 60.00; u-2: c-b and no purchase; u-3 buys 40.00 naming c-c.
        // P = 2/3; removal effects a 1/4, b 1/2, c 1/2: shares 1/5, 2/5, 2/5.
        try await service.apply([
            Self.interaction("u-1", .click, "10:00:00", campaign: "c-a"),
            Self.interaction("u-1", .click, "10:30:00", campaign: "c-b"),
            Self.interaction("u-1", .purchase, "11:00:00", order: "o-1", revenue: 6000),
            Self.interaction("u-2", .click, "10:00:00", campaign: "c-b"),
            Self.interaction("u-3", .purchase, "12:00:00", campaign: "c-c", order: "o-3", revenue: 4000),
        ])
        try await MarkovReading.refresh(window: window, in: context)
        let markov = EventType.attributionMarkovComputed.rawValue
        #expect(try await emitted().filter { $0 == markov }.count == 1)
        // Nothing changed: nothing more is emitted.
        try await MarkovReading.refresh(window: window, in: context)
        #expect(try await emitted().filter { $0 == markov }.count == 1)

        try await service.test { client in
            let reading = try await client.object("/attribution/markov")
            #expect(reading["computedAt"] as? String == "2026-11-01T12:00:00.000Z")
            #expect(reading["to"] as? String == "2026-11-01T12:00:00.000Z")
            #expect(reading["from"] as? String == "2026-10-02T12:00:00.000Z")
            #expect(reading["journeys"] as? Int == 2 + 1 && reading["conversions"] as? Int == 2)
            let shares = (reading["shares"] as? [[String: Any]]) ?? []
            #expect(shares.compactMap { $0["campaignId"] as? String } == ["c-a", "c-b", "c-c"])
            #expect(shares.compactMap { $0["bps"] as? Int } == [2000, 4000, 4000])
            let rules = (reading["ruleShares"] as? [String: [[String: Any]]]) ?? [:]
            #expect(rules.keys.sorted() == AttributionModel.allCases.map(\.rawValue).sorted())
            #expect(rules["last-touch"]?.compactMap { $0["bps"] as? Int } == [6000, 4000])
            #expect(rules["first-touch"]?.compactMap { $0["campaignId"] as? String } == ["c-a", "c-c"])
        }
        await service.database.close()
    }
}
