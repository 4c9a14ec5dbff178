import Analytics
import AnalyticsStore
import TestSupport
import Testing
import TriadEvents
import TriadStorage

/// IT's order credits on both stores: a purchase is credited over the touches stored by earlier
/// batches, its credits read back as emitted, are summed per model over a window, and a replay
/// changes nothing.
@Suite struct OrderCreditsStoreTests {
    static let analytics = Analytics(
        policy: AnalyticsPolicy(attributionWindowDays: 30, timeDecayHalfLifeHours: 24, currency: "EUR"))
    static let migrations = Migrations.shared + AnalyticsSchema.migrations
    static let t0 = Timestamp(iso8601: "2026-10-01T00:00:00Z")!

    static func at(minutes: Int64) -> Timestamp { t0.adding(milliseconds: minutes * 60_000) }

    func event(
        _ customer: String, _ kind: InteractionKind, minutes: Int64, campaign: String? = nil, order: String? = nil,
        revenue: Int64 = 0, id: String
    ) -> IncomingEvent {
        incoming(
            .customerInteraction(
                CustomerInteraction(
                    customerId: customer, kind: kind, occurredAt: Self.at(minutes: minutes), campaignId: campaign,
                    orderId: order, revenue: order == nil ? nil : Money(amountMinor: revenue, currency: "EUR"))),
            id: id, topic: .customerInteractions)
    }

    /// The conversions a batch emits.
    func apply(_ batch: [IncomingEvent], to database: any Database) async throws -> [ConversionAttributed] {
        let results = try await database.transaction { session in
            try AnalyticsBatch.apply(batch, analytics: Self.analytics, in: session)
        }
        return results.flatMap { (try? $0.get()) ?? [] }.compactMap {
            if case .conversionAttributed(let c) = $0 { c } else { nil }
        }
    }

    @Test(arguments: Store.allCases)
    func creditsAreKeptAsEmittedAndSummedOverAWindow(_ store: Store) async throws {
        let database = try await store.open("it_order_credits", migrations: Self.migrations)
        _ = try await apply(
            [
                event("u", .click, minutes: 0, campaign: "a", id: "e-1"),
                event("u", .visit, minutes: 0, campaign: "b", id: "e-2"),
                event("v", .click, minutes: 10, campaign: "b", id: "e-3"),
            ], to: database)
        let purchases = [
            // a, b (stored, one instant), then its own c: linear 1/3 each.
            event("u", .purchase, minutes: 60, campaign: "c", order: "o-u", revenue: 300, id: "e-4"),
            event("v", .purchase, minutes: 70, order: "o-v", revenue: 1000, id: "e-5"),
            event("w", .purchase, minutes: 80, order: "o-w", revenue: 500, id: "e-6"),  // organic
        ]
        let emitted = try await apply(purchases, to: database)
        #expect(emitted.map(\.orderId) == ["o-u", "o-v"])
        let u = try #require(emitted.first)
        #expect(u.campaignId == "c")
        #expect(u.credits[.firstTouch]?.map(\.campaignId) == ["a"])
        #expect(u.credits[.linear]?.map(\.bps) == [3334, 3333, 3333])
        #expect(u.credits[.linear]?.map(\.revenue.amountMinor) == [100, 100, 100])

        let stored = try await database.read { session in
            try emitted.map {
                try OrderCreditsTable.credits(
                    of: try #require(try OrdersTable.order($0.orderId, in: session)), currency: "EUR", in: session)
            }
        }
        #expect(stored == emitted.map(\.credits))
        let organic = try await database.read { session in
            try OrderCreditsTable.credits(
                of: try #require(try OrdersTable.order("o-w", in: session)), currency: "EUR", in: session)
        }
        #expect(organic.isEmpty)
        // o-v's one touch credits b wholly under every model: it has no credits row of its own.
        let rows = try await database.read { try $0.query("SELECT order_id FROM it_order_credits") }
        #expect(rows.map { $0[0].text } == ["o-u"])

        // Per model over [60, 69] minutes: o-u only; over [60, 80]: both (o-w is organic).
        let sums = try await database.read { session in
            (
                try OrderCreditsTable.revenueByCampaign(
                    from: Self.at(minutes: 60), to: Self.at(minutes: 69), in: session),
                try OrderCreditsTable.revenueByCampaign(
                    from: Self.at(minutes: 60), to: Self.at(minutes: 80), in: session)
            )
        }
        #expect(sums.0[.lastTouch] == ["c": 300] && sums.0[.linear] == ["a": 100, "b": 100, "c": 100])
        #expect(sums.1[.firstTouch] == ["a": 300, "b": 1000] && sums.1[.lastTouch] == ["c": 300, "b": 1000])
        #expect(sums.1[.positionBased] == ["a": 120, "b": 1060, "c": 120])

        // A replay credits nothing again and keeps the credits.
        #expect(try await apply(purchases, to: database).isEmpty)
        let again = try await database.read { session in
            try emitted.map {
                try OrderCreditsTable.credits(
                    of: try #require(try OrdersTable.order($0.orderId, in: session)), currency: "EUR", in: session)
            }
        }
        #expect(again == stored)
        await database.close()
    }

    /// More than 256 stored touches and two purchases of one customer in one batch, stored touches
    /// between them: each purchase gets its own 256 latest (the earlier one is read on its own).
    @Test(arguments: Store.allCases)
    func eachPurchaseOfABatchHasItsOwnLatestTouches(_ store: Store) async throws {
        let database = try await store.open("it_order_touches", migrations: Self.migrations)
        var touches = [event("u", .click, minutes: 0, campaign: "first", id: "t-0")]
        for minute in 1..<150 {
            touches.append(event("u", .click, minutes: Int64(minute), campaign: "early", id: "t-\(minute)"))
        }
        for minute in 200..<350 {
            touches.append(event("u", .visit, minutes: Int64(minute), campaign: "late", id: "t-\(minute)"))
        }
        _ = try await apply(touches, to: database)

        let emitted = try await apply(
            [
                event("u", .purchase, minutes: 150, order: "o-1", revenue: 150, id: "p-1"),
                event("u", .purchase, minutes: 400, order: "o-2", revenue: 256, id: "p-2"),
            ], to: database)
        #expect(emitted.map(\.orderId) == ["o-1", "o-2"])
        // o-1: all 150 before it, the first one included.
        #expect(emitted[0].credits[.firstTouch]?.map(\.campaignId) == ["first"])
        #expect(emitted[0].credits[.linear]?.map(\.revenue.amountMinor) == [149, 1])
        // o-2: the 150 late and the 106 latest early ones.
        #expect(emitted[1].credits[.firstTouch]?.map(\.campaignId) == ["early"])
        #expect(emitted[1].credits[.linear]?.map(\.revenue.amountMinor) == [106, 150])
        await database.close()
    }

    /// The window's sums are read a page of orders at a time, in (time, id) order: pages of 1, 2 and
    /// 3 orders, with several orders at one instant across page ends, give the sums of one read.
    @Test(arguments: Store.allCases)
    func theWindowIsSummedPageByPage(_ store: Store) async throws {
        let database = try await store.open("it_order_pages", migrations: Self.migrations)
        // u's touches a then b: each of u's orders is shared (linear a 1/2, b 1/2); v's name c wholly.
        _ = try await apply(
            [
                event("u", .click, minutes: 0, campaign: "a", id: "t-1"),
                event("u", .click, minutes: 1, campaign: "b", id: "t-2"),
            ], to: database)
        var purchases: [IncomingEvent] = []
        for index in 0..<7 {
            // Orders 0–3 at minute 10, 4–6 at minute 11: ties inside and across pages.
            let minute: Int64 = index < 4 ? 10 : 11
            purchases.append(
                event("u", .purchase, minutes: minute, order: "o-u-\(index)", revenue: 100, id: "p-u-\(index)"))
            purchases.append(
                event(
                    "v", .purchase, minutes: minute, campaign: "c", order: "o-v-\(index)", revenue: 10,
                    id: "p-v-\(index)"))
        }
        #expect(try await apply(purchases, to: database).count == 14)
        let sums = try await database.read { session in
            try [1, 2, 3, 2_000].map {
                try OrderCreditsTable.revenueByCampaign(
                    from: Self.at(minutes: 10), to: Self.at(minutes: 11), ordersPerPage: $0, in: session)
            }
        }
        #expect(sums[3][.lastTouch] == ["b": 700, "c": 70])
        #expect(sums[3][.linear] == ["a": 350, "b": 350, "c": 70])
        for paged in sums.dropLast() { #expect(paged == sums[3]) }
        await database.close()
    }
}
