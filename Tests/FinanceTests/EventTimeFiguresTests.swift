import Finance
import Testing
import TriadEvents

/// Figures by event time: each channel's weeks (spend, revenue under every model), each channel's
/// quarters (spend, last touch's revenue and orders, new customers), customers counted once, and the
/// acquisition report's CAC, cost per order, MER and revisions.
@Suite struct EventTimeFiguresTests {
    let ledger = FinanceLedger(policy: BudgetPolicy(quarterlyEnvelope: Currency.euro.money(1_000_000), hurdleBps: 0))
    var store = FinanceState()

    static func at(_ text: String) -> Timestamp { Timestamp(text)! }
    static func week(_ text: String) -> ISOWeek { ISOWeek(text)! }
    static let q2 = Quarter(year: 2026, number: 2), q3 = Quarter(year: 2026, number: 3)

    /// A channel's week or quarter on partition 0, where these events come from.
    static func onWeek(_ text: String, _ channel: Channel) -> PartitionKey<ChannelWeekKey> {
        PartitionKey(ChannelWeekKey(week: week(text), channel: channel), partition: 0)
    }
    static func onQuarter(_ quarter: Quarter, _ channel: Channel) -> PartitionKey<QuarterChannelKey> {
        PartitionKey(QuarterChannelKey(quarter: quarter, channel: channel), partition: 0)
    }

    func planned(_ id: String, _ channel: Channel) -> DomainEvent {
        .campaignPlanned(
            CampaignPlanned(
                campaignId: id, name: id, channel: channel, segment: "s", requestedBudget: Currency.euro.money(1000),
                startDate: CalendarDate("2026-04-01")!, endDate: CalendarDate("2026-09-30")!, targetRoiBps: 0))
    }

    func spend(_ id: String, _ amount: Int64, at time: String?) -> DomainEvent {
        .adSpendReported(
            AdSpendReported(campaignId: id, amount: Currency.euro.money(amount), occurredAt: time.map(Self.at)))
    }

    static func credit(_ id: String, _ bps: Int64, _ revenue: Int64) -> CampaignCredit {
        CampaignCredit(campaignId: id, bps: bps, revenue: Currency.euro.money(revenue))
    }

    /// A 10.01 EUR order on 2026-06-02 (2026-W23): last touch c-s, first touch c-d, linear and time
    /// decay split c-s/c-d, position-based c-s and c-x (never planned).
    func order(_ id: String) -> DomainEvent {
        .conversionAttributed(
            ConversionAttributed(
                campaignId: "c-s", orderId: id, customerId: "u", revenue: Currency.euro.money(1001),
                occurredAt: Self.at("2026-06-02T09:00:00Z"),
                credits: [
                    .lastTouch: [Self.credit("c-s", 10_000, 1001)], .firstTouch: [Self.credit("c-d", 10_000, 1001)],
                    .linear: [Self.credit("c-s", 6000, 601), Self.credit("c-d", 4000, 400)],
                    .timeDecay: [Self.credit("c-s", 3000, 300), Self.credit("c-d", 7000, 701)],
                    .positionBased: [Self.credit("c-s", 5000, 500), Self.credit("c-x", 5000, 501)],
                ]))
    }

    func acquired(_ customer: String, _ campaign: String?, at time: String) -> DomainEvent {
        .customerAcquired(
            CustomerAcquired(
                customerId: customer, orderId: "o-\(customer)", campaignId: campaign, occurredAt: Self.at(time)))
    }

    mutating func apply(_ events: [DomainEvent], at time: Timestamp? = nil) throws {
        for event in events { _ = try ledger.apply(event, at: time, to: &store) }
    }

    @Test mutating func spendAndEachModelsRevenueGoToTheirChannelsISOWeek() throws {
        try apply([planned("c-s", .search), planned("c-d", .display)])
        try apply([
            spend("c-s", 1000, at: "2026-06-01T00:00:00Z"), spend("c-s", 500, at: "2026-06-07T23:59:59.999Z"),
            spend("c-s", 20, at: "2026-06-08T00:00:00Z"), spend("c-d", 300, at: "2026-06-03T12:00:00Z"),
            spend("c-x", 70, at: "2026-06-01T12:00:00Z"), order("o-1"), order("o-1"),
        ])
        // Without occurredAt: the CloudEvents time (2026-W24), else by event time nowhere.
        try apply([spend("c-s", 999, at: nil)], at: Self.at("2026-06-09T10:00:00Z"))
        try apply([spend("c-s", 5, at: nil)])

        #expect(
            store.weekDeltas == [
                Self.onWeek("2026-W23", .search): WeekFigures(
                    spendMinor: 1500,
                    revenueMinor: [.lastTouch: 1001, .linear: 601, .timeDecay: 300, .positionBased: 500]),
                Self.onWeek("2026-W23", .display): WeekFigures(
                    spendMinor: 300, revenueMinor: [.firstTouch: 1001, .linear: 400, .timeDecay: 701]),
                // c-x was never planned: its channel is unknown, counted under other.
                Self.onWeek("2026-W23", .other): WeekFigures(
                    spendMinor: 70, revenueMinor: [.positionBased: 501]),
                Self.onWeek("2026-W24", .search): WeekFigures(spendMinor: 1019),
            ])
        #expect(
            store.quarterDeltas == [
                Self.onQuarter(Self.q2, .search): QuarterFigures(
                    spendMinor: 2519, revenueMinor: 1001, orders: 1),
                Self.onQuarter(Self.q2, .display): QuarterFigures(spendMinor: 300),
                Self.onQuarter(Self.q2, .other): QuarterFigures(spendMinor: 70),
            ])
        #expect(store.account("c-s")?.spentMinor == 2524)
        #expect(store.account("c-s")?.channel == .search && store.account("c-x")?.channel == nil)
    }

    @Test mutating func weeksAndQuartersFollowISO8601AcrossTheYearEnd() throws {
        try apply([
            planned("c-s", .search), spend("c-s", 1, at: "2026-12-31T23:00:00Z"),
            spend("c-s", 2, at: "2027-01-03T23:59:59Z"), spend("c-s", 4, at: "2027-01-04T00:00:00Z"),
        ])
        #expect(
            store.weekDeltas == [
                Self.onWeek("2026-W53", .search): WeekFigures(spendMinor: 3),
                Self.onWeek("2027-W01", .search): WeekFigures(spendMinor: 4),
            ])
        #expect(
            store.quarterDeltas == [
                Self.onQuarter(Quarter(year: 2026, number: 4), .search): QuarterFigures(spendMinor: 1),
                Self.onQuarter(Quarter(year: 2027, number: 1), .search): QuarterFigures(spendMinor: 6),
            ])
        #expect(EventTime.oldestWeekKept(newest: Self.week("2026-W23")) == Self.week("2025-W24"))
        #expect(EventTime.oldestWeekKept(newest: Self.week("2027-W01")) == Self.week("2026-W03"))
    }

    @Test mutating func eachPartitionHasItsOwnRows() throws {
        _ = try ledger.apply(spend("c-s", 10, at: "2026-06-01T00:00:00Z"), partition: 3, to: &store)
        _ = try ledger.apply(spend("c-s", 5, at: "2026-06-02T00:00:00Z"), to: &store)
        _ = try ledger.apply(spend("c-s", 1, at: "2026-06-03T00:00:00Z"), partition: 3, to: &store)
        #expect(
            store.weekDeltas == [
                PartitionKey(ChannelWeekKey(week: Self.week("2026-W23"), channel: .other), partition: 3): WeekFigures(
                    spendMinor: 11),
                Self.onWeek("2026-W23", .other): WeekFigures(spendMinor: 5),
            ])
        #expect(store.account("c-s")?.spentMinor == 16)
    }

    @Test mutating func whatWasBookedBeforeThePlanStaysUnderOther() throws {
        try apply([spend("c-l", 100, at: "2026-06-01T00:00:00Z"), planned("c-l", .video)])
        try apply([spend("c-l", 50, at: "2026-06-02T00:00:00Z")])
        #expect(
            store.weekDeltas == [
                Self.onWeek("2026-W23", .other): WeekFigures(spendMinor: 100),
                Self.onWeek("2026-W23", .video): WeekFigures(spendMinor: 50),
            ])
    }

    @Test mutating func aCustomerCountsOnceOnTheCampaignAndChannelOfTheirFirstOrder() throws {
        try apply([planned("c-s", .search), planned("c-d", .display)])
        try apply([
            acquired("u-1", "c-s", at: "2026-06-03T00:00:00Z"),
            // The same customer again, as a second IT instance or a replay would send it.
            acquired("u-1", "c-d", at: "2026-06-04T00:00:00Z"), acquired("u-1", "c-s", at: "2026-06-03T00:00:00Z"),
            // Organic: remembered, counted nowhere, and not counted later either.
            acquired("u-2", nil, at: "2026-06-05T00:00:00Z"), acquired("u-2", "c-s", at: "2026-06-06T00:00:00Z"),
            acquired("u-3", "c-x", at: "2026-07-01T00:00:00Z"), acquired("u-4", "c-s", at: "2026-06-30T23:59:59Z"),
        ])
        #expect(store.account("c-s")?.newCustomers == 2)
        #expect(store.account("c-d")?.newCustomers == 0)
        #expect(store.account("c-x")?.newCustomers == 1)
        #expect(
            store.quarterDeltas == [
                Self.onQuarter(Self.q2, .search): QuarterFigures(newCustomers: 2),
                Self.onQuarter(Self.q3, .other): QuarterFigures(newCustomers: 1),
            ])
    }

    @Test mutating func roiReportsCarryNewCustomersCacAndCostPerOrder() throws {
        try apply([planned("c-s", .search), spend("c-s", 2000, at: "2026-06-01T00:00:00Z")])
        try apply([order("o-1"), order("o-2"), order("o-3"), acquired("u-1", "c-s", at: "2026-06-02T00:00:00Z")])
        let report = store.account("c-s")!.roiReport(currency: "EUR")
        #expect(report.conversions == 3 && report.newCustomers == 1)
        #expect(report.costPerOrderMinor == 666)  // floor(2000 / 3)
        #expect(report.cacMinor == 2000)  // 2000 / 1
        let none = store.account("c-d")!.roiReport(currency: "EUR")
        #expect(none.newCustomers == 0 && none.cacMinor == nil && none.costPerOrderMinor == nil)
    }

    @Test mutating func otherInsightsAreAcknowledgedAndChangeNothing() throws {
        let churn = DomainEvent.churnRiskDetected(
            ChurnRiskDetected(
                customerId: "u-1", segment: "s", reason: .inactive, lastActivityAt: nil,
                detectedAt: Self.at("2026-06-01T00:00:00Z")))
        #expect(try ledger.apply(churn, to: &store) == [])
        #expect(FinanceLedger.campaignIds(touchedBy: churn).isEmpty)
        #expect(store.changedAccounts.isEmpty && store.weekDeltas.isEmpty && store.quarterDeltas.isEmpty)
        #expect(FinanceLedger.campaignIds(touchedBy: acquired("u-1", "c-s", at: "2026-06-01T00:00:00Z")) == ["c-s"])
        #expect(FinanceLedger.campaignIds(touchedBy: acquired("u-1", nil, at: "2026-06-01T00:00:00Z")).isEmpty)
    }

    @Test func acquisitionReportsGoOutForChangedQuartersWithTheNextRevision() {
        let figures = QuarterFigures(spendMinor: 1_000_000, revenueMinor: 2_500_001, orders: 3, newCustomers: 7)
        let q4 = Quarter(year: 2026, number: 4)
        let reports = ledger.acquisitionReports(
            figures: [Self.q3: figures, Self.q2: figures, q4: QuarterFigures(revenueMinor: 5)],
            lastReported: [Self.q2: ReportedQuarter(figures: figures, revision: 4), q4: ReportedQuarter(revision: 2)])
        #expect(reports.map(\.quarter) == [Self.q3, q4])
        let q3 = reports[0]
        #expect(q3.revision == 1 && reports[1].revision == 3)
        #expect(q3.spend == Currency.euro.total(1_000_000) && q3.revenue == Currency.euro.total(2_500_001))
        #expect(q3.orders == 3 && q3.newCustomers == 7)
        #expect(q3.cacMinor == 142_857)  // floor(1,000,000 / 7)
        #expect(q3.costPerOrderMinor == 333_333)  // floor(1,000,000 / 3)
        #expect(q3.merBps == 25_000)  // floor(2,500,001 × 10,000 / 1,000,000)
        // No spend, no orders, no customers: no ratio.
        #expect(reports[1].merBps == nil && reports[1].cacMinor == nil && reports[1].costPerOrderMinor == nil)
        let more = QuarterFigures(spendMinor: 1_000_000, revenueMinor: 2_500_001, orders: 3, newCustomers: 8)
        #expect(
            ledger.acquisitionReports(
                figures: [Self.q2: more], lastReported: [Self.q2: ReportedQuarter(figures: figures, revision: 4)]
            ).map(\.revision) == [5])
    }
}
