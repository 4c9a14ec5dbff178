import Analytics
import AnalyticsStore
import Foundation
import Logging
import Synchronization
import TestSupport
import Testing
import TriadEvents
import TriadStorage

/// IT's tables on one PostgreSQL database shared by two instances: a customer or an order that a
/// batch took as new, created meanwhile by another instance, is never overwritten or counted twice.
@Suite struct AnalyticsStoreConcurrencyTests {
    static let analytics = Analytics(policy: AnalyticsPolicy(currency: "EUR"))

    func purchase(_ customer: String, order: String, id: String) -> IncomingEvent {
        let event = DomainEvent.customerInteraction(
            CustomerInteraction(
                customerId: customer, kind: .purchase, occurredAt: Timestamp(iso8601: "2026-11-01T10:00:00Z")!,
                segment: "young",
                orderId: order, revenue: Money(amountMinor: 100, currency: "EUR")))
        return incoming(event, id: id, topic: .customerInteractions)
    }

    /// Instance B applies `held` and holds its transaction open, while instance A applies `racing`,
    /// which reads as new a row B wrote: A waits on it and, once B commits, fails with a write
    /// conflict; run again (as the pipeline does), A reads B's row. Returns the database's URL and
    /// what each instance emitted (A: on the run that committed).
    func race(_ name: String, held: IncomingEvent, racing: IncomingEvent) async throws -> (
        url: String, held: [DomainEvent], racing: [DomainEvent]
    ) {
        let url = try LocalPostgres.createDatabase(name)
        let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
        let a = try PostgresDatabase(url: url, logger: logger)
        let b = try PostgresDatabase(url: url, logger: logger)
        try await Migrations.apply(to: a, migrations: Migrations.shared + AnalyticsSchema.migrations)
        let analytics = Self.analytics

        let written = Mutex(false)
        let heldEvents = Mutex<[DomainEvent]>([])
        let release = Mutex(false)
        // B's transaction ends on every way out of this test, a failed expectation included.
        defer { release.withLock { $0 = true } }
        let holding = Task {
            try await b.transaction { session in
                let emitted = try AnalyticsBatch.apply([held], analytics: analytics, in: session)
                heldEvents.withLock { $0 = emitted.flatMap { (try? $0.get()) ?? [] } }
                written.withLock { $0 = true }
                while !release.withLock({ $0 }) { usleep(10_000) }
            }
        }
        _ = try await eventually("B to have written") { written.withLock { $0 } ? true : nil }
        let waiting = Task {
            try await a.transaction { session in
                _ = try AnalyticsBatch.apply([racing], analytics: analytics, in: session)
            }
        }
        _ = try await eventually("A to wait on B's row") {
            try LocalPostgres.query(
                url,
                "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            .trimmingCharacters(in: .whitespacesAndNewlines) == "1" ? true : nil
        }
        release.withLock { $0 = true }
        try await holding.value
        await #expect(throws: WriteConflict.self) { try await waiting.value }

        let racingEvents = try await a.transaction { session in
            try AnalyticsBatch.apply([racing], analytics: analytics, in: session).flatMap { (try? $0.get()) ?? [] }
        }
        await a.close()
        await b.close()
        return (url, heldEvents.withLock { $0 }, racingEvents)
    }

    func value(_ url: String, _ sql: String) throws -> String {
        try LocalPostgres.query(url, sql).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test func aNewCustomerCreatedMeanwhileByAnotherInstanceIsNotOverwritten() async throws {
        // Both take cust-n as new; A adds its purchase to B's customer, and only B acquired it.
        let (url, held, racing) = try await race(
            "it_conflict", held: purchase("cust-n", order: "o-b", id: "e-b"),
            racing: purchase("cust-n", order: "o-a", id: "e-a"))
        #expect(try value(url, "SELECT purchases FROM it_customers WHERE customer_id = 'cust-n'") == "2")
        let time = Timestamp(iso8601: "2026-11-01T10:00:00Z")!
        #expect(
            held == [
                .customerAcquired(
                    CustomerAcquired(customerId: "cust-n", orderId: "o-b", campaignId: nil, occurredAt: time))
            ])
        #expect(racing == [])
    }

    @Test func anOrderRecordedMeanwhileByAnotherInstanceCountsOnce() async throws {
        // Both take o-1 as new; it stays cust-b's and counts once.
        let (url, _, _) = try await race(
            "it_order_race", held: purchase("cust-b", order: "o-1", id: "e-b"),
            racing: purchase("cust-a", order: "o-1", id: "e-a"))
        #expect(try value(url, "SELECT customer_id FROM it_orders") == "cust-b")
        #expect(try value(url, "SELECT SUM(purchases) FROM it_organic") == "1")
    }
}
