import Analytics
import Foundation
import Logging
import Synchronization
import TestSupport
import Testing
import TriadEvents
import TriadRuntime
import TriadStorage

@testable import it_service

/// IT's tables on one PostgreSQL database shared by two instances: a customer that a batch took as
/// new, created meanwhile by another instance, is never overwritten.
@Suite struct AnalyticsTablesConcurrencyTests {
    static let analytics = Analytics(policy: AnalyticsPolicy(currency: "EUR"))

    func purchase(_ customer: String, order: String, id: String) -> IncomingEvent {
        let event = DomainEvent.customerInteraction(
            CustomerInteraction(
                customerId: customer, kind: .purchase, occurredAt: Timestamp(iso8601: "2026-11-01T10:00:00Z")!, segment: "young",
                orderId: order, revenue: Money(amountMinor: 100, currency: "EUR")))
        return IncomingEvent(
            received: ReceivedEvent(
                envelope: EventEnvelope(
                    id: id, source: "/tests", type: event.type, schemaVersion: 1, time: nil, subject: customer),
                event: event),
            topic: "customer.interactions", partition: 0)
    }

    @Test func aNewCustomerCreatedMeanwhileByAnotherInstanceIsNotOverwritten() async throws {
        let url = try LocalPostgres.createDatabase("it_conflict")
        let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
        let a = try PostgresDatabase(url: url, logger: logger)
        let b = try PostgresDatabase(url: url, logger: logger)
        try await Migrations.apply(to: a, migrations: Migrations.shared + AnalyticsTables.migrations)
        let analytics = Self.analytics

        // Instance B creates cust-n (one purchase) and holds its transaction open…
        let written = Mutex(false), release = Mutex(false)
        // B's transaction ends on every way out of this test, a failed expectation included.
        defer { release.withLock { $0 = true } }
        let holding = Task {
            try await b.transaction { session in
                _ = try AnalyticsTables.apply([purchase("cust-n", order: "o-b", id: "e-b")], analytics: analytics, in: session)
                written.withLock { $0 = true }
                while !release.withLock({ $0 }) { usleep(10_000) }
            }
        }
        _ = try await eventually("B to have written cust-n") { written.withLock { $0 } ? true : nil }
        // …while instance A's batch, which did not see it, writes it back: A waits on B's row.
        let racing = Task {
            try await a.transaction { session in
                _ = try AnalyticsTables.apply([purchase("cust-n", order: "o-a", id: "e-a")], analytics: analytics, in: session)
            }
        }
        _ = try await eventually("A to wait on B's row") {
            try LocalPostgres.query(url, "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'")
                .trimmingCharacters(in: .whitespacesAndNewlines) == "1" ? true : nil
        }
        release.withLock { $0 = true }
        try await holding.value
        await #expect(throws: WriteConflict.self) { try await racing.value }

        // Run again (as the pipeline does), A reads B's customer and adds to it.
        try await a.transaction { session in
            _ = try AnalyticsTables.apply([purchase("cust-n", order: "o-a", id: "e-a")], analytics: analytics, in: session)
        }
        let purchases = try LocalPostgres.query(url, "SELECT purchases FROM it_customers WHERE customer_id = 'cust-n'")
        #expect(purchases.trimmingCharacters(in: .whitespacesAndNewlines) == "2")
        await a.close()
        await b.close()
    }
}
