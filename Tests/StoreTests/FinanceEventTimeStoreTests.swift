import Finance
import FinanceStore
import TestSupport
import Testing
import TriadEvents
import TriadStorage

/// Finance's figures by event time on both stores: each channel's weeks under every model (the
/// latest 52 kept), approvals per channel of a quarter, customers counted once across replays and
/// two IT instances, acquisition reports with their revisions, ROI reports with new customers, and
/// insights finance does not use acknowledged without a trace.
@Suite struct FinanceEventTimeStoreTests {
    static let ledger = FinanceLedger(
        policy: BudgetPolicy(quarterlyEnvelope: Currency.euro.money(1_000_000), hurdleBps: 0))
    static let migrations = Migrations.shared + FinanceSchema.migrations

    static func at(_ text: String) -> Timestamp { Timestamp(text)! }
    static func week(_ text: String) -> ISOWeek { ISOWeek(text)! }

    static func planned(_ id: String, _ channel: Channel, budget: Int64, start: String, event: String)
        -> IncomingEvent
    {
        incoming(
            .campaignPlanned(
                CampaignPlanned(
                    campaignId: id, name: id, channel: channel, segment: "s",
                    requestedBudget: Currency.euro.money(budget), startDate: CalendarDate(start)!,
                    endDate: CalendarDate("2027-12-31")!, targetRoiBps: 0)), id: event, topic: .marketingCampaigns)
    }

    static func spend(_ id: String, _ amount: Int64, at time: String, event: String) -> IncomingEvent {
        incoming(
            .adSpendReported(
                AdSpendReported(campaignId: id, amount: Currency.euro.money(amount), occurredAt: at(time))),
            id: event, topic: .adSpend)
    }

    static func credit(_ id: String, _ revenue: Int64) -> CampaignCredit {
        CampaignCredit(campaignId: id, bps: 10_000, revenue: Currency.euro.money(revenue))
    }

    /// An order of `revenue` last-touch credited to c-s and first-touch to c-d (the other models as
    /// last touch).
    static func order(_ id: String, _ revenue: Int64, at time: String, event: String) -> IncomingEvent {
        incoming(
            .conversionAttributed(
                ConversionAttributed(
                    campaignId: "c-s", orderId: id, customerId: "u", revenue: Currency.euro.money(revenue),
                    occurredAt: at(time),
                    credits: [
                        .lastTouch: [credit("c-s", revenue)], .firstTouch: [credit("c-d", revenue)],
                        .linear: [credit("c-s", revenue)], .timeDecay: [credit("c-s", revenue)],
                        .positionBased: [credit("c-s", revenue)],
                    ])), id: event, topic: .attributions)
    }

    static func acquired(_ customer: String, _ campaign: String?, at time: String, event: String) -> IncomingEvent {
        incoming(
            .customerAcquired(
                CustomerAcquired(
                    customerId: customer, orderId: "o-\(customer)", campaignId: campaign, occurredAt: at(time))),
            id: event, topic: .insights)
    }

    static func apply(_ batch: [IncomingEvent], to database: any Database) async throws
        -> [Result<[DomainEvent], EventRejection>]
    {
        let ledger = ledger
        return try await database.transaction { try FinanceBatch.apply(batch, ledger: ledger, in: $0) }
    }

    @Test(arguments: Store.allCases)
    func eachChannelsWeeksHoldSpendAndEveryModelsRevenue(_ store: Store) async throws {
        let database = try await store.open("fin_weeks", migrations: Self.migrations)
        _ = try await Self.apply(
            [
                Self.planned("c-s", .search, budget: 300_000, start: "2026-04-01", event: "e-1"),
                Self.planned("c-d", .display, budget: 200_000, start: "2026-05-01", event: "e-2"),
                Self.planned("c-e", .search, budget: 100_000, start: "2026-07-01", event: "e-3"),
                Self.spend("c-s", 1000, at: "2026-06-01T00:00:00Z", event: "e-4"),
                Self.spend("c-d", 300, at: "2026-06-07T23:59:59Z", event: "e-5"),
                Self.order("o-1", 700, at: "2026-06-02T00:00:00Z", event: "e-6"),
            ], to: database)
        // A second batch adds to the stored weeks (its spend from another partition, on rows of its
        // own, summed on reading); the replayed order adds nothing.
        let other = Self.spend("c-s", 20, at: "2026-06-03T00:00:00Z", event: "e-7")
        _ = try await Self.apply(
            [
                IncomingEvent(received: other.received, topic: other.topic, partition: 1),
                Self.order("o-1", 700, at: "2026-06-02T00:00:00Z", event: "e-8"),
                Self.order("o-2", 45, at: "2026-06-08T00:00:00Z", event: "e-9"),
            ], to: database)
        let (lastTouch, firstTouch, approved, next, newest, rows) = try await database.read { session in
            (
                try ChannelWeeksTable.history(model: .lastTouch, in: session),
                try ChannelWeeksTable.history(model: .firstTouch, in: session),
                try AccountsTable.approvedByChannel(in: Quarter(year: 2026, number: 2), in: session),
                try AccountsTable.approvedByChannel(in: Quarter(year: 2026, number: 3), in: session),
                try QuarterFiguresTable.newestQuarter(in: session),
                try session.query(
                    "SELECT partition_id FROM fin_channel_weeks WHERE channel = 'search' AND week = '2026-W23'"
                )
                .map { $0[0].integer ?? -1 }
            )
        }
        await database.close()
        let w23 = Self.week("2026-W23")
        let w24 = Self.week("2026-W24")
        #expect(
            lastTouch == [
                .search: [
                    ChannelWeek(week: w23, spendMinor: 1020, revenueMinor: 700),
                    ChannelWeek(week: w24, spendMinor: 0, revenueMinor: 45),
                ],
                .display: [ChannelWeek(week: w23, spendMinor: 300, revenueMinor: 0)],
            ])
        #expect(
            firstTouch == [
                // Search's 2026-W24 had neither spend nor first-touch revenue.
                .search: [ChannelWeek(week: w23, spendMinor: 1020, revenueMinor: 0)],
                .display: [
                    ChannelWeek(week: w23, spendMinor: 300, revenueMinor: 700),
                    ChannelWeek(week: w24, spendMinor: 0, revenueMinor: 45),
                ],
            ])
        #expect(approved == [.search: 300_000, .display: 200_000])
        #expect(next == [.search: 100_000])
        #expect(newest == Quarter(year: 2026, number: 2))
        #expect(rows.sorted() == [0, 0, 0, 0, 0, 1, 1, 1, 1, 1])
    }

    @Test(arguments: Store.allCases)
    func onlyTheLatestFiftyTwoWeeksAreKept(_ store: Store) async throws {
        let database = try await store.open("fin_weeks_bound", migrations: Self.migrations)
        _ = try await Self.apply(
            [
                Self.planned("c-s", .search, budget: 1, start: "2025-01-01", event: "e-1"),
                Self.spend("c-s", 1, at: "2025-06-02T00:00:00Z", event: "e-2"),  // 2025-W23
                Self.spend("c-s", 2, at: "2025-06-09T00:00:00Z", event: "e-3"),  // 2025-W24
            ], to: database)
        // 2026-W23 is 52 weeks after 2025-W23: that week goes, 2025-W24 (51 back) stays.
        _ = try await Self.apply([Self.spend("c-s", 4, at: "2026-06-01T00:00:00Z", event: "e-4")], to: database)
        // Late spend for a week no longer kept is not written.
        _ = try await Self.apply([Self.spend("c-s", 8, at: "2025-06-03T00:00:00Z", event: "e-5")], to: database)
        let (history, rows) = try await database.read { session in
            (
                try ChannelWeeksTable.history(model: .linear, in: session),
                try session.query("SELECT COUNT(*) FROM fin_channel_weeks")[0][0].integer
            )
        }
        await database.close()
        #expect(
            history[.search] == [
                ChannelWeek(week: Self.week("2025-W24"), spendMinor: 2, revenueMinor: 0),
                ChannelWeek(week: Self.week("2026-W23"), spendMinor: 4, revenueMinor: 0),
            ])
        #expect(rows == 10)  // two weeks × five models
    }

    @Test(arguments: Store.allCases)
    func aCustomerCountsOnceAcrossReplaysAndTwoInstancesAndQuartersAreReportedByRevision(_ store: Store)
        async throws
    {
        let database = try await store.open("fin_acquisition", migrations: Self.migrations)
        let ledger = Self.ledger
        func reports() async throws -> [AcquisitionReported] {
            try await database.transaction { try AcquisitionReportedTable.reports(ledger: ledger, in: $0) }.compactMap {
                if case .acquisitionReported(let report) = $0 { return report }
                return nil
            }
        }
        let batch = [
            Self.planned("c-s", .search, budget: 1_000_000, start: "2026-04-01", event: "e-1"),
            Self.spend("c-s", 1_000_000, at: "2026-06-01T00:00:00Z", event: "e-2"),
            Self.order("o-1", 2_500_001, at: "2026-06-02T00:00:00Z", event: "e-3"),
            Self.order("o-2", 0, at: "2026-06-02T00:00:00Z", event: "e-4"),
            Self.order("o-3", 0, at: "2026-06-02T00:00:00Z", event: "e-5"),
            Self.acquired("u-1", "c-s", at: "2026-06-02T00:00:00Z", event: "e-6"),
            // The same customer from a second IT instance (another event id) in the same batch.
            Self.acquired("u-1", "c-s", at: "2026-06-02T00:00:00Z", event: "e-7"),
            Self.acquired("u-2", nil, at: "2026-06-03T00:00:00Z", event: "e-8"),
        ]
        let results = try await Self.apply(batch, to: database)
        #expect(results.allSatisfy { (try? $0.get()) == [] || $0.isApproval })
        let first = try await reports()
        #expect(first.count == 1)
        #expect(first.first?.quarter == Quarter(year: 2026, number: 2) && first.first?.revision == 1)
        #expect(first.first?.spend.amountMinor == 1_000_000 && first.first?.revenue.amountMinor == 2_500_001)
        #expect(first.first?.orders == 3 && first.first?.newCustomers == 1)
        #expect(first.first?.cacMinor == 1_000_000 && first.first?.costPerOrderMinor == 333_333)
        #expect(first.first?.merBps == 25_000)
        #expect(try await reports().isEmpty)

        // The whole batch replayed, and u-1 and u-2 again later: nothing changes.
        _ = try await Self.apply(batch, to: database)
        _ = try await Self.apply(
            [
                Self.acquired("u-1", "c-s", at: "2026-06-02T00:00:00Z", event: "e-9"),
                Self.acquired("u-2", "c-s", at: "2026-06-05T00:00:00Z", event: "e-10"),
            ], to: database)
        let account = try await database.read { try AccountsTable.account("c-s", in: $0) }
        #expect(account?.newCustomers == 1)
        // (The replayed spend is booked again: the pipeline, not the batch, drops a replayed event id.)
        let replayed = try await reports()
        #expect(replayed.map(\.newCustomers) == [1] && replayed.map(\.revision) == [2])

        // A new customer in the quarter: revision 3, CAC halves.
        _ = try await Self.apply([Self.acquired("u-3", "c-s", at: "2026-06-30T00:00:00Z", event: "e-11")], to: database)
        let third = try await reports()
        await database.close()
        #expect(third.map(\.revision) == [3] && third.first?.newCustomers == 2)
        #expect(third.first?.cacMinor == 1_000_000)  // 2,000,000 spend (replayed) / 2
    }

    @Test(arguments: Store.allCases)
    func roiReportsCarryNewCustomersAndOlderReportsGoOutAgain(_ store: Store) async throws {
        let database = try await store.open(
            "fin_roi_customers", migrations: Migrations.shared + FinanceSchema.migrations.filter { $0.version < 203 })
        try await database.transaction { session in
            try session.query(
                "INSERT INTO fin_accounts (campaign_id, spent_minor, revenue_minor, conversions) VALUES ('c-old', 900, 0, 2)"
            )
            try session.query("INSERT INTO fin_roi_reported VALUES ('c-old', 900, 0, 2)")
        }
        _ = try await Migrations.apply(to: database, migrations: Self.migrations)
        _ = try await Self.apply(
            [Self.acquired("u-1", "c-old", at: "2026-06-02T00:00:00Z", event: "e-1")], to: database)
        let ledger = Self.ledger
        let (reports, after, account) = try await database.transaction { session in
            (
                try RoiReportedTable.reports(ledger: ledger, in: session),
                try RoiReportedTable.reports(ledger: ledger, in: session),
                try AccountsTable.account("c-old", in: session)
            )
        }
        await database.close()
        guard case .roiReported(let report) = reports.first, reports.count == 1 else {
            Issue.record("expected one ROI report, got \(reports)")
            return
        }
        #expect(report.newCustomers == 1 && report.cacMinor == 900 && report.costPerOrderMinor == 450)
        #expect(after.isEmpty)
        #expect(account?.channel == nil && account?.newCustomers == 1)
    }

    @Test(arguments: Store.allCases)
    func insightsFinanceDoesNotUseAreAcknowledgedWithoutATrace(_ store: Store) async throws {
        let database = try await store.open("fin_insights", migrations: Self.migrations)
        let churn = incoming(
            .churnRiskDetected(
                ChurnRiskDetected(
                    customerId: "c-s", segment: "s", reason: .inactive, lastActivityAt: nil,
                    detectedAt: Self.at("2026-06-01T00:00:00Z"))), id: "e-1", topic: .insights)
        let results = try await Self.apply([churn], to: database)
        let accounts = try await database.read { try $0.query("SELECT COUNT(*) FROM fin_accounts")[0][0].integer }
        await database.close()
        #expect((try? results[0].get()) == [])
        #expect(accounts == 0)
    }
}

extension Result<[DomainEvent], EventRejection> {
    /// A plan's approval and its envelope change.
    fileprivate var isApproval: Bool { (try? get())?.first?.type == .budgetApproved }
}
