import Analytics
import Finance
import Marketing
import TestSupport
import Testing
import TriadEvents
import TriadKafka
import TriadWire

/// No event a Triad service emits is ever refused by another Triad service: the three services'
/// rules run together in memory on random workloads whose amounts reach the limits (one amount at
/// 10^15, totals far past it), and every event one of them emits goes through the codec as the
/// consumer reads it (structured mode, its topic) and into the consumer's rules.
@Suite struct EmittedEventsTests {
    static let codec = EventCodec(rules: ValidationRules(currency: .euro))
    static let limit = Money.maximumMinor

    /// What one run emitted and the largest totals it reached.
    struct Run {
        var emitted = 0
        var largestSpendTotal: Int64 = 0
        var largestRevenueTotal: Int64 = 0
        var largestCampaignRevenue: Int64 = 0
    }

    @Test(arguments: 0..<24)
    func everyEmittedEventIsAcceptedDownstream(seed: UInt64) throws {
        let run = try Self.play(seed: seed, steps: 400)
        #expect(run.emitted > 0)
        // The workload must reach past one amount's limit, or the test proves nothing about totals.
        #expect(run.largestSpendTotal > Self.limit, "seed \(seed): spend totals stayed within one amount's limit")
        #expect(run.largestRevenueTotal > Self.limit, "seed \(seed): revenue totals stayed within one amount's limit")
        #expect(
            run.largestCampaignRevenue > Self.limit,
            "seed \(seed): IT's revenue totals stayed within one amount's limit")
    }

    /// The example from the issue: spend of 500, then one amount of 10^15 on top. Finance's
    /// *budget exceeded* and *ROI reported* carry 10^15 + 500, which marketing must accept.
    @Test func spendPastOneAmountsLimitReachesMarketing() throws {
        var world = World()
        try world.plan("c-1", budget: 1_000)
        try world.spend("c-1", 500)
        try world.spend("c-1", Self.limit)
        try world.reportROI()
        #expect(world.marketing.campaign("c-1")?.budgetExceeded == true)
        #expect(world.marketing.roi("c-1")?.spend.amountMinor == Self.limit + 500)
    }

    static func play(seed: UInt64, steps: Int) throws -> Run {
        var random = SeededRandom(seed: seed)
        var world = World()
        let campaigns = (0..<4).map { "c-\($0)" }
        func amount() -> Int64 {
            switch random.next(4) {
            case 0: limit
            case 1: limit - Int64(random.next(1000))
            case 2: Int64(random.next(1_000_000))
            default: Int64(random.next(1_000_000)) * 1_000_000_000
            }
        }
        for campaign in campaigns { try world.plan(campaign, budget: max(1, amount())) }
        for step in 0..<steps {
            let campaign = campaigns[random.next(campaigns.count)]
            switch random.next(6) {
            case 0: try world.spend(campaign, amount())
            case 1: try world.click("u-\(random.next(8))", campaign)
            case 2: try world.purchase("u-\(random.next(8))", order: "o-\(step)", revenue: amount())
            case 3: try world.purchase("u-\(random.next(8))", order: "o-\(step)", revenue: amount(), campaign: campaign)
            case 4: try world.command(random.next(2) == 0 ? .launch : .complete, campaign)
            default:
                try world.reportROI()
                try world.reportPerformance()
            }
        }
        try world.reportROI()
        try world.reportPerformance()
        return world.run
    }

    /// The three services' rules and state, wired as the topics wire them.
    struct World {
        let desk = CampaignDesk()
        let ledger = FinanceLedger(
            policy: BudgetPolicy(quarterlyEnvelope: Currency.euro.money(Int64.max / 10_000), hurdleBps: 0))
        let analytics = Analytics(policy: AnalyticsPolicy(currency: "EUR"))
        var marketing = MarketingState()
        var finance = FinanceState()
        var it = AnalyticsState()
        var campaignIds: [String] = []
        var roiReported: [UTF8Key: RoiReported] = [:]
        var run = Run()
        var sequence = 0
        var clock = Timestamp(millisecondsSinceEpoch: 1_790_000_000_000)

        mutating func plan(_ id: String, budget: Int64) throws {
            let planned = CampaignPlanned(
                campaignId: id, name: id, channel: .search, segment: "s", requestedBudget: Currency.euro.money(budget),
                startDate: CalendarDate("2026-10-01")!, endDate: CalendarDate("2026-12-31")!, targetRoiBps: 0)
            let (_, events) = try desk.plan(planned, in: &marketing)
            campaignIds.append(id)
            try fromMarketing(events)
        }

        mutating func command(_ command: CampaignCommand, _ id: String) throws {
            guard let (_, events) = try? desk.perform(command, on: id, in: &marketing) else { return }
            try fromMarketing(events)
        }

        /// An ad platform's report: finance may refuse it (an outsider's event), never what Triad emits.
        mutating func spend(_ id: String, _ amount: Int64) throws {
            let event = DomainEvent.adSpendReported(
                AdSpendReported(campaignId: id, amount: Currency.euro.money(amount)))
            guard let events = try? ledger.apply(event, to: &finance) else { return }
            try fromFinance(events)
        }

        mutating func click(_ customer: String, _ campaign: String) throws {
            try interaction(
                CustomerInteraction(customerId: customer, kind: .click, occurredAt: tick(), campaignId: campaign))
        }

        mutating func purchase(_ customer: String, order: String, revenue: Int64, campaign: String? = nil) throws {
            try interaction(
                CustomerInteraction(
                    customerId: customer, kind: .purchase, occurredAt: tick(), campaignId: campaign, orderId: order,
                    revenue: Currency.euro.money(revenue)))
        }

        mutating func reportROI() throws {
            let accounts = campaignIds.compactMap(finance.account)
            let reports = ledger.roiReports(accounts: accounts, lastReported: roiReported)
            for report in reports {
                roiReported[report.campaignId.utf8Key] = report
                run.largestSpendTotal = max(run.largestSpendTotal, report.spend.amountMinor)
                run.largestRevenueTotal = max(run.largestRevenueTotal, report.revenue.amountMinor)
            }
            try fromFinance(reports.map(DomainEvent.roiReported))
        }

        mutating func reportPerformance() throws {
            let reports = analytics.performanceReports(current: it.allCounters(), lastReported: [:])
            for case .campaignPerformanceReported(let report) in reports {
                run.largestCampaignRevenue = max(run.largestCampaignRevenue, report.revenue.amountMinor)
            }
            try fromIT(reports)
        }

        private mutating func interaction(_ interaction: CustomerInteraction) throws {
            guard let events = try? analytics.apply(.customerInteraction(interaction), to: &it) else { return }
            try fromIT(events)
        }

        private mutating func tick() -> Timestamp {
            clock = clock.adding(milliseconds: 60_000)
            return clock
        }

        // MARK: The topics between them

        private mutating func fromMarketing(_ events: [DomainEvent]) throws {
            for event in events {
                let received = try transmit(event, from: .marketing)
                try fromFinance(try ledger.apply(received, to: &finance))
            }
        }

        private mutating func fromFinance(_ events: [DomainEvent]) throws {
            for event in events {
                let received = try transmit(event, from: .finance)
                try fromMarketing(try desk.apply(received, at: clock, to: &marketing))
            }
        }

        private mutating func fromIT(_ events: [DomainEvent]) throws {
            for event in events {
                let received = try transmit(event, from: .it)
                switch received {
                case .conversionAttributed: try fromFinance(try ledger.apply(received, to: &finance))
                default: try fromMarketing(try desk.apply(received, at: clock, to: &marketing))
                }
            }
        }

        /// Encodes the event as its producer does and decodes it as a consumer does.
        private mutating func transmit(_ event: DomainEvent, from producer: Participant) throws -> DomainEvent {
            sequence += 1
            run.emitted += 1
            let source = producer.eventSource ?? "/triad/\(producer.rawValue)"
            let outgoing = OutgoingEvent(id: "e-\(sequence)", source: source, time: clock, event: event)
            let (value, headers) = try EmittedEventsTests.codec.encode(outgoing)
            let type = Swift.type(of: event.payload).eventType
            return try EmittedEventsTests.codec.decode(value: value, headers: headers, topic: type.topic.name).event
        }
    }
}
