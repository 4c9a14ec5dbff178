import Finance
import FinanceStore
import TestSupport
import Testing
import TriadEvents
import TriadStorage

/// Finance's figures per attribution model on both stores: a batch writes each model's credits beside
/// the accounts (a replayed order adds nothing), ROI reports carry them and go out again when any
/// model's figures change, accounts from before the models read their figures under all five, and a
/// row that does not read back refuses only the events that credit its campaign.
@Suite struct FinanceModelCreditsStoreTests {
    static let ledger = FinanceLedger(
        policy: BudgetPolicy(quarterlyEnvelope: Currency.euro.money(1_000_000), hurdleBps: 0))
    static let migrations = Migrations.shared + FinanceSchema.migrations

    static func credit(_ id: String, _ bps: Int64, _ revenue: Int64) -> CampaignCredit {
        CampaignCredit(campaignId: id, bps: bps, revenue: Currency.euro.money(revenue))
    }

    /// A 10.01 EUR order: last touch c-b, first touch c-a, linear 60/40, time decay 30/70,
    /// position-based half each.
    static func order(_ order: String, event: String) -> IncomingEvent {
        incoming(
            .conversionAttributed(
                ConversionAttributed(
                    campaignId: "c-b", orderId: order, customerId: "u", revenue: Currency.euro.money(1001),
                    occurredAt: Timestamp(millisecondsSinceEpoch: 0),
                    credits: [
                        .lastTouch: [credit("c-b", 10_000, 1001)], .firstTouch: [credit("c-a", 10_000, 1001)],
                        .linear: [credit("c-a", 6000, 601), credit("c-b", 4000, 400)],
                        .timeDecay: [credit("c-a", 3000, 300), credit("c-b", 7000, 701)],
                        .positionBased: [credit("c-a", 5000, 500), credit("c-b", 5000, 501)],
                    ])), id: event, topic: .attributions)
    }

    static func spend(_ id: String, _ amount: Int64, event: String) -> IncomingEvent {
        incoming(
            .adSpendReported(AdSpendReported(campaignId: id, amount: Currency.euro.money(amount))), id: event,
            topic: .adSpend)
    }

    static func figures(_ pairs: [(AttributionModel, Int64, Int64)]) -> [AttributionModel: CreditedFigures] {
        Dictionary(
            uniqueKeysWithValues: pairs.map { ($0.0, CreditedFigures(revenueMinor: $0.1, conversionsBps: $0.2)) })
    }

    @Test(arguments: Store.allCases)
    func eachModelsCreditsAreKeptBesideTheAccountsAndAnOrderCountsOnce(_ store: Store) async throws {
        let database = try await store.open("fin_models", migrations: Self.migrations)
        let ledger = Self.ledger
        for batch in [
            [Self.spend("c-a", 500, event: "e-1"), Self.order("o-1", event: "e-2")],
            // o-1 again (another event id) adds nothing; o-2 adds once more.
            [Self.order("o-1", event: "e-3"), Self.order("o-2", event: "e-4")],
        ] {
            let results = try await database.transaction { try FinanceBatch.apply(batch, ledger: ledger, in: $0) }
            #expect(results.allSatisfy { (try? $0.get()) != nil })
        }
        let (a, b, rows) = try await database.read { session in
            (
                try AccountsTable.account("c-a", in: session), try AccountsTable.account("c-b", in: session),
                try session.query("SELECT COUNT(*) FROM fin_model_credits")[0][0].integer
            )
        }
        await database.close()
        #expect(
            a?.credited
                == Self.figures([
                    (.firstTouch, 2002, 20_000), (.linear, 1202, 12_000), (.timeDecay, 600, 6000),
                    (.positionBased, 1000, 10_000),
                ]))
        #expect(
            b?.credited
                == Self.figures([
                    (.lastTouch, 2002, 20_000), (.linear, 800, 8000), (.timeDecay, 1402, 14_000),
                    (.positionBased, 1002, 10_000),
                ]))
        #expect(a?.spentMinor == 500 && a?.revenueMinor == 0 && a?.conversions == 0)
        #expect(b?.revenueMinor == 2002 && b?.conversions == 2)
        #expect(rows == 8)
    }

    @Test(arguments: Store.allCases)
    func roiReportsCarryEveryModelAndGoOutAgainWhenOneChanges(_ store: Store) async throws {
        let database = try await store.open("fin_model_roi", migrations: Self.migrations)
        let ledger = Self.ledger
        func apply(_ batch: [IncomingEvent]) async throws {
            _ = try await database.transaction { try FinanceBatch.apply(batch, ledger: ledger, in: $0) }
        }
        func reports() async throws -> [RoiReported] {
            try await database.transaction { try RoiReportedTable.reports(ledger: ledger, in: $0) }.compactMap {
                if case .roiReported(let report) = $0 { return report }
                return nil
            }
        }
        try await apply([Self.spend("c-a", 500, event: "e-1"), Self.order("o-1", event: "e-2")])
        let first = try await reports()
        #expect(first.map(\.campaignId) == ["c-a", "c-b"])
        let linear = first.first?.byModel?[.linear]
        #expect(linear?.revenue.amountMinor == 601 && linear?.conversionsBps == 6000)
        #expect(linear?.roiBps == 2020 && linear?.roasBps == 12_020)
        #expect(first.first?.byModel?.count == 5)
        #expect(try await reports().isEmpty)

        // c-a's own spend, revenue and conversions stay; only its figures under other models change.
        try await apply([Self.order("o-2", event: "e-3")])
        let again = try await reports()
        #expect(again.map(\.campaignId) == ["c-a", "c-b"])
        #expect(again.first?.revenue.amountMinor == 0 && again.first?.conversions == 0)
        #expect(again.first?.byModel?[.linear]?.revenue.amountMinor == 1202)
        #expect(try await reports().isEmpty)
        await database.close()
    }

    @Test(arguments: Store.allCases)
    func accountsFromBeforeTheModelsReadTheirFiguresUnderAllFive(_ store: Store) async throws {
        let database = try await store.open(
            "fin_model_upgrade", migrations: Migrations.shared + FinanceSchema.migrations.filter { $0.version < 202 })
        try await database.transaction { session in
            try session.query(
                """
                INSERT INTO fin_accounts (campaign_id, spent_minor, revenue_minor, conversions) \
                VALUES ('c-old', 1000, 4999, 3), ('c-none', 50, 0, 0)
                """)
            try session.query(
                "INSERT INTO fin_roi_reported VALUES ('c-old', 1000, 4999, 3), ('c-none', 50, 0, 0)")
        }
        _ = try await Migrations.apply(to: database, migrations: Self.migrations)
        let ledger = Self.ledger
        let (old, none, reports, after) = try await database.transaction { session in
            (
                try AccountsTable.account("c-old", in: session), try AccountsTable.account("c-none", in: session),
                try RoiReportedTable.reports(ledger: ledger, in: session),
                try RoiReportedTable.reports(ledger: ledger, in: session)
            )
        }
        await database.close()
        let whole = CreditedFigures(revenueMinor: 4999, conversionsBps: 30_000)
        #expect(old?.credited == Dictionary(uniqueKeysWithValues: AttributionModel.allCases.map { ($0, whole) }))
        #expect(none?.credited == [:])
        // Both reported again once, now with every model's figures.
        let byModel = reports.compactMap { event -> [AttributionModel: ModelReturn]? in
            if case .roiReported(let report) = event { return report.byModel }
            return nil
        }
        #expect(byModel.count == 2)
        #expect(byModel.first?[.positionBased]?.revenue.amountMinor == 0)
        #expect(byModel.last?[.positionBased]?.roiBps == 39_990)
        #expect(after.isEmpty)
    }

    @Test(arguments: Store.allCases)
    func aCreditedCampaignWhoseFiguresDoNotReadBackRefusesOnlyItsConversions(_ store: Store) async throws {
        let database = try await store.open("fin_model_unreadable", migrations: Self.migrations)
        _ = try await database.transaction { session in
            try session.query("INSERT INTO fin_model_credits VALUES ('c-a', 'bogus', 1, 1)")
        }
        let ledger = Self.ledger
        let batch = [Self.order("o-1", event: "e-1"), Self.spend("c-b", 100, event: "e-2")]
        let (results, b) = try await database.transaction { session in
            (try FinanceBatch.apply(batch, ledger: ledger, in: session), try AccountsTable.account("c-b", in: session))
        }
        await database.close()
        guard case .failure(let refused) = results[0] else {
            Issue.record("expected the conversion crediting c-a refused, got \(results[0])")
            return
        }
        #expect(refused.code == .unreadableState && refused.field == "credits")
        #expect((try? results[1].get()) == [])
        #expect(b?.spentMinor == 100 && b?.conversions == 0 && b?.credited == [:])
    }
}
