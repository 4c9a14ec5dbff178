import Analytics
import AnalyticsStore
import Foundation
import TestSupport
import Testing
import TriadEvents
import TriadStorage

/// IT's tables on both stores: the inactivity scan finds a buyer exactly at the threshold, whatever
/// hour bucket the index reads; a customer's row holds the same whichever way it was written back.
@Suite struct AnalyticsStoreTests {
    static let analytics = Analytics(policy: AnalyticsPolicy(inactivityDays: 60, currency: "EUR"))

    func interaction(
        _ customer: String, _ kind: InteractionKind, at time: Timestamp, id: String, segment: String = "young"
    )
        -> IncomingEvent
    {
        let event = DomainEvent.customerInteraction(
            CustomerInteraction(
                customerId: customer, kind: kind, occurredAt: time, segment: segment,
                orderId: kind == .purchase ? "o-\(id)" : nil,
                revenue: kind == .purchase ? Money(amountMinor: 100, currency: "EUR") : nil))
        return incoming(event, id: id, topic: .customerInteractions)
    }

    @Test(arguments: Store.allCases)
    func aBuyerFallsDueExactlyAtTheThresholdInsideAnHour(_ store: Store) async throws {
        let database = try await store.open("it_tables", migrations: Migrations.shared + AnalyticsSchema.migrations)
        let analytics = Self.analytics
        // Half past the hour: the threshold's cutoff lands in the same hour bucket as the purchase.
        let bought = Timestamp(iso8601: "2026-09-01T10:30:00Z")!
        let threshold = bought.adding(milliseconds: analytics.policy.inactivityMilliseconds)
        let batches = [
            [interaction("buyer", .purchase, at: bought, id: "e-1")],
            [interaction("other", .visit, at: threshold.adding(milliseconds: -1), id: "e-2")],
            [interaction("other", .visit, at: threshold, id: "e-3")],
        ]
        var atRisk: [Bool] = []
        for batch in batches {
            let detected = try await database.transaction { session in
                _ = try AnalyticsBatch.apply(batch, analytics: analytics, in: session)
                return try CustomersTable.customer("buyer", in: session)?.atRisk ?? false
            }
            atRisk.append(detected)
        }
        #expect(atRisk == [false, false, true])
        let reason = try await database.read { try CustomersTable.customer("buyer", in: $0)?.riskReason }
        #expect(reason == .inactive)
        await database.close()
    }

    /// On SQLite a customer whose indexed columns stay as they were is written back with an UPDATE of
    /// the other columns only; the row must read the same as after a full write.
    @Test(arguments: Store.allCases)
    func aCustomerRowHoldsEveryChangeWhicheverWayItIsWritten(_ store: Store) async throws {
        let database = try await store.open("it_rows", migrations: Migrations.shared + AnalyticsSchema.migrations)
        let at = { (time: String) in Timestamp(iso8601: "2026-09-01T\(time)Z")!.millisecondsSinceEpoch }
        let hour = { (time: String) in at(time) / CustomersTable.dueHourMilliseconds }
        func row() async throws -> [Int64?] {
            try await database.read { session in
                let row = try session.query(
                    "SELECT segment, last_activity_at, purchases, at_risk, due_since, due_hour FROM it_customers WHERE customer_id = 'c1'"
                )[0]
                return [row[0].text == "old" ? 1 : 0] + row.dropFirst().map(\.integer)
            }
        }
        let steps: [(IncomingEvent, [Int64?])] = [
            // new: inserted
            (
                interaction("c1", .purchase, at: Timestamp(iso8601: "2026-09-01T10:30:00Z")!, id: "e-1"),
                [0, at("10:30:00"), 1, 0, at("10:30:00"), hour("10:30:00")]
            ),
            // active in the same hour: no indexed column changes
            (
                interaction("c1", .click, at: Timestamp(iso8601: "2026-09-01T10:45:00Z")!, id: "e-2"),
                [0, at("10:45:00"), 1, 0, at("10:45:00"), hour("10:30:00")]
            ),
            // another segment and the next hour
            (
                interaction("c1", .visit, at: Timestamp(iso8601: "2026-09-01T11:10:00Z")!, id: "e-3", segment: "old"),
                [1, at("11:10:00"), 1, 0, at("11:10:00"), hour("11:10:00")]
            ),
            // a second purchase in the same hour
            (
                interaction(
                    "c1", .purchase, at: Timestamp(iso8601: "2026-09-01T11:20:00Z")!, id: "e-4", segment: "old"),
                [1, at("11:20:00"), 2, 0, at("11:20:00"), hour("11:10:00")]
            ),
        ]
        for (event, expected) in steps {
            _ = try await database.transaction { try AnalyticsBatch.apply([event], analytics: Self.analytics, in: $0) }
            #expect(try await row() == expected)
        }
        await database.close()
    }
}
