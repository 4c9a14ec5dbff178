import Analytics
import Foundation
import TestSupport
import Testing
import TriadEvents
import TriadRuntime
import TriadStorage

@testable import it_service

/// IT's tables on both stores: the inactivity scan finds a buyer exactly at the threshold, whatever
/// hour bucket the index reads.
@Suite struct AnalyticsTablesTests {
    static let analytics = Analytics(policy: AnalyticsPolicy(inactivityDays: 60, currency: "EUR"))

    func interaction(_ customer: String, _ kind: InteractionKind, at time: Timestamp, id: String) -> IncomingEvent {
        let event = DomainEvent.customerInteraction(
            CustomerInteraction(
                customerId: customer, kind: kind, occurredAt: time, segment: "young", orderId: kind == .purchase ? "o-\(id)" : nil,
                revenue: kind == .purchase ? Money(amountMinor: 100, currency: "EUR") : nil))
        return IncomingEvent(
            received: ReceivedEvent(
                envelope: EventEnvelope(id: id, source: "/tests", type: event.type, schemaVersion: 1, time: nil, subject: customer),
                event: event),
            topic: "customer.interactions", partition: 0)
    }

    @Test(arguments: Store.allCases)
    func aBuyerFallsDueExactlyAtTheThresholdInsideAnHour(_ store: Store) async throws {
        let database = try await store.open("it_tables", migrations: Migrations.shared + AnalyticsTables.migrations)
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
                _ = try AnalyticsTables.apply(batch, analytics: analytics, in: session)
                return try AnalyticsTables.customer("buyer", in: session)?.atRisk ?? false
            }
            atRisk.append(detected)
        }
        #expect(atRisk == [false, false, true])
        let reason = try await database.read { try AnalyticsTables.customer("buyer", in: $0)?.riskReason }
        #expect(reason == .inactive)
        await database.close()
    }
}
