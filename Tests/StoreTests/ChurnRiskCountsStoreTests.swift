import Marketing
import MarketingStore
import TestSupport
import Testing
import TriadEvents
import TriadStorage

/// The briefing's customers at churn risk by segment come from counts kept with each change
/// (`mkt_churn_risk_counts`): exact through detections, clearings, moves and redeliveries, and
/// counted from the stored customers when the table is added, on both stores.
@Suite struct ChurnRiskCountsStoreTests {
    static let at = Timestamp(iso8601: "2026-11-02T00:00:00Z")!

    static func detected(_ customer: String, _ segment: String, id: String) -> IncomingEvent {
        incoming(
            .churnRiskDetected(
                ChurnRiskDetected(
                    customerId: customer, segment: segment, reason: .inactive, lastActivityAt: nil, detectedAt: at)),
            id: id, topic: .insights, time: at)
    }

    static func cleared(_ customer: String, _ segment: String, id: String) -> IncomingEvent {
        incoming(
            .churnRiskCleared(
                ChurnRiskCleared(customerId: customer, segment: segment, activity: .click, clearedAt: at)),
            id: id, topic: .insights, time: at)
    }

    static func moved(_ customer: String, from: String, to: String, id: String) -> IncomingEvent {
        incoming(
            .churnRiskSegmentChanged(
                ChurnRiskSegmentChanged(customerId: customer, previousSegment: from, segment: to, changedAt: at)),
            id: id, topic: .insights, time: at)
    }

    /// Applies a batch as the pipeline does: ids recorded before are redeliveries, left out.
    static func deliver(_ batch: [IncomingEvent], to database: any Database) async throws -> [UTF8Key: Int64] {
        try await database.transaction { session in
            let keys = batch.map { AppliedEvents.Key(source: $0.received.envelope.source, id: $0.received.envelope.id) }
            let new = try AppliedEvents.record(keys, at: 0, in: session)
            _ = try MarketingBatch.apply(
                batch.indices.filter { new[$0] }.map { batch[$0] }, desk: CampaignDesk(), in: session)
            return try BriefingQuery.briefing(policy: BriefingPolicy(), currency: "EUR", in: session).churnRiskBySegment
        }
    }

    @Test(arguments: Store.allCases)
    func countsStayExact(_ store: Store) async throws {
        let database = try await store.open(
            "mkt_churn_counts", migrations: Migrations.shared + MarketingSchema.migrations)
        // u-1 is detected twice (the second changes nothing), cleared, and detected again.
        let first = try await Self.deliver(
            [
                Self.detected("u-1", "young", id: "e-1"), Self.detected("u-2", "young", id: "e-2"),
                Self.detected("u-3", "loyal", id: "e-3"), Self.detected("u-1", "young", id: "e-4"),
            ], to: database)
        let second = try await Self.deliver(
            [
                Self.cleared("u-1", "young", id: "e-5"), Self.detected("u-2", "young", id: "e-2"),
                Self.moved("u-3", from: "loyal", to: "young", id: "e-6"),
            ], to: database)
        let third = try await Self.deliver(
            [
                Self.detected("u-1", "loyal", id: "e-7"), Self.cleared("u-2", "young", id: "e-8"),
                Self.cleared("u-1", "young", id: "e-5"), Self.moved("u-2", from: "young", to: "loyal", id: "e-9"),
            ], to: database)
        // Everything again, as after a replay from the start: every id was applied before.
        let replayed = try await Self.deliver(
            [
                Self.detected("u-1", "young", id: "e-1"), Self.cleared("u-1", "young", id: "e-5"),
                Self.detected("u-1", "loyal", id: "e-7"), Self.cleared("u-2", "young", id: "e-8"),
            ], to: database)
        let stored = try await database.read { try $0.query("SELECT segment, at_risk FROM mkt_churn_risk_counts") }
        await database.close()
        #expect(first == ["young": 2, "loyal": 1])
        #expect(second == ["young": 2], "u-1 cleared, u-3 moved to young, e-2 a redelivery")
        #expect(third == ["young": 1, "loyal": 1], "u-1 at risk again in loyal, u-2 cleared (its move counts nowhere)")
        #expect(replayed == ["young": 1, "loyal": 1])
        #expect(
            Dictionary(uniqueKeysWithValues: stored.map { ($0[0].text ?? "", $0[1].integer ?? -1) }) == [
                "young": 1, "loyal": 1,
            ])
    }

    @Test(arguments: Store.allCases)
    func theMigrationCountsTheOpenEpisodes(_ store: Store) async throws {
        let database = try await store.open(
            "mkt_churn_counts_migration",
            migrations: Migrations.shared + MarketingSchema.migrations.filter { $0.version < 305 })
        _ = try await database.transaction { session in
            try session.query(
                """
                INSERT INTO mkt_churn_risk (customer_id, segment, at_risk) VALUES ('u-1', 'young', 1), \
                ('u-2', 'young', 1), ('u-3', 'young', 0), ('u-4', 'loyal', 1), ('u-5', 'old', 0)
                """)
        }
        let applied = try await Migrations.apply(to: database, migrations: MarketingSchema.migrations)
        // The briefing as the route reads it (its parts side by side on PostgreSQL).
        let counts = try await BriefingQuery.briefing(policy: BriefingPolicy(), currency: "EUR", from: database)
            .churnRiskBySegment
        // A detection after the migration adds to the counted rows.
        let after = try await Self.deliver([Self.detected("u-5", "old", id: "e-1")], to: database)
        await database.close()
        #expect(applied == [305])
        #expect(counts == ["young": 2, "loyal": 1])
        #expect(after == ["young": 2, "loyal": 1, "old": 1])
    }
}
