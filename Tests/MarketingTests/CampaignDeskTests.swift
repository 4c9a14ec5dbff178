import Marketing
import Testing
import TriadEvents

@Suite struct CampaignDeskTests {
    let desk = CampaignDesk()
    var store = MarketingState()

    func plan(_ id: String, budget: Int64 = 1_000_000, target: Int64 = 2000, segment: String = "s") -> CampaignPlanned {
        CampaignPlanned(
            campaignId: id, name: id, channel: .social, segment: segment, requestedBudget: Currency.euro.money(budget),
            startDate: CalendarDate("2026-10-01")!, endDate: CalendarDate("2026-12-31")!, targetRoiBps: target)
    }

    mutating func approved(_ id: String, budget: Int64 = 1_000_000, target: Int64 = 2000) throws {
        _ = try desk.plan(plan(id, budget: budget, target: target), in: &store)
        _ = try desk.apply(
            .budgetApproved(
                BudgetApproved(
                    campaignId: id, approvedBudget: Currency.euro.money(budget), quarter: Quarter(year: 2026, number: 4)
                )),
            to: &store)
    }

    @Test mutating func theNewestEnvelopeRevisionWinsInTheBriefing() throws {
        let q4 = Quarter(year: 2026, number: 4)
        let eur = Currency.euro.money
        for (reserved, released, revision) in [(400_000, 0, 1), (900_000, 0, 3), (700_000, 0, 2)]
            as [(Int64, Int64, Int64)]
        {
            _ = try desk.apply(
                .envelopeChanged(
                    EnvelopeChanged(
                        quarter: q4, envelope: eur(1_000_000), reserved: Currency.euro.total(reserved),
                        released: Currency.euro.total(released), revision: revision)),
                to: &store)
        }
        let briefing = try Briefing.make(from: store, policy: BriefingPolicy(), currency: "EUR")
        #expect(briefing.envelopes.map(\.reserved) == [Currency.euro.total(900_000)])
        #expect(briefing.envelopes.map(\.remaining) == [eur(100_000)])
    }

    @Test mutating func theRoiTrendKeepsTheNewestReportsWithTheirTime() throws {
        try approved("a")
        for report in 1...30 {
            _ = try desk.apply(
                .roiReported(
                    RoiReported(
                        campaignId: "a", spend: Currency.euro.total(100),
                        revenue: Currency.euro.total(Int64(report) * 100), conversions: 1)),
                at: Timestamp(millisecondsSinceEpoch: Int64(report) * 1000), to: &store)
        }
        // Without spend there is no ROI, and no point.
        _ = try desk.apply(
            .roiReported(
                RoiReported(
                    campaignId: "b", spend: Currency.euro.total(0), revenue: Currency.euro.total(5), conversions: 1)),
            at: Timestamp(millisecondsSinceEpoch: 1), to: &store)
        let trend = store.roiTrend("a")
        #expect(trend.count == RoiPoint.historyLimit)
        #expect(trend.first == RoiPoint(at: Timestamp(millisecondsSinceEpoch: 7000), roiBps: 60_000))
        #expect(trend.last == RoiPoint(at: Timestamp(millisecondsSinceEpoch: 30_000), roiBps: 290_000))
        #expect(store.roiTrend("b").isEmpty)
        let briefing = try Briefing.make(from: store, policy: BriefingPolicy(), currency: "EUR")
        #expect(briefing.campaigns.first?.roiTrend == trend)
    }

    @Test mutating func planningEmitsCampaignPlanned() throws {
        let (campaign, events) = try desk.plan(plan("a"), in: &store)
        #expect(campaign.status == .planned)
        #expect(events == [.campaignPlanned(plan("a"))])
        #expect(throws: CampaignError.alreadyExists("a")) { try desk.plan(plan("a"), in: &store) }
    }

    @Test mutating func refusesLaunchBeforeApproval() throws {
        _ = try desk.plan(plan("a"), in: &store)
        #expect(throws: CampaignError.refusedTransition(campaignId: "a", command: .launch, status: .planned)) {
            try desk.perform(.launch, on: "a", in: &store)
        }
    }

    @Test mutating func followsTheStateMachine() throws {
        try approved("a")
        #expect(
            try desk.perform(.launch, on: "a", in: &store).1 == [.campaignLaunched(CampaignLaunched(campaignId: "a"))])
        #expect(
            try desk.perform(.pause, on: "a", in: &store).1 == [
                .campaignPaused(CampaignPaused(campaignId: "a", reason: "manual"))
            ])
        #expect(try desk.perform(.resume, on: "a", in: &store).0.status == .live)
        #expect(try desk.perform(.pause, on: "a", in: &store).0.status == .paused)
        #expect(try desk.perform(.complete, on: "a", in: &store).0.status == .completed)
        for command in CampaignCommand.allCases {
            #expect(throws: CampaignError.self) { try desk.perform(command, on: "a", in: &store) }
        }
    }

    @Test(arguments: [
        (CampaignStatus.planned, CampaignCommand.launch, false), (.approved, .launch, true),
        (.rejected, .launch, false),
        (.approved, .pause, false), (.live, .pause, true), (.paused, .pause, false),
        (.live, .resume, false), (.paused, .resume, true),
        (.approved, .complete, false), (.live, .complete, true), (.paused, .complete, true),
        (.completed, .complete, false),
    ])
    func transitionTable(from status: CampaignStatus, command: CampaignCommand, allowed: Bool) throws {
        var store = MarketingState()
        var campaign = Campaign(planned: plan("a"))
        campaign.status = status
        store.save(campaign)
        let result = Result { () throws(CampaignError) in try desk.perform(command, on: "a", in: &store) }
        #expect(((try? result.get()) != nil) == allowed)
    }

    @Test mutating func rejectionIsFinal() throws {
        _ = try desk.plan(plan("a"), in: &store)
        _ = try desk.apply(
            .budgetRejected(
                BudgetRejected(
                    campaignId: "a", reason: .targetRoiBelowHurdle, requestedBudget: Currency.euro.money(1),
                    quarter: Quarter(year: 2026, number: 4))),
            to: &store)
        #expect(store.campaign("a")?.status == .rejected)
        #expect(store.campaign("a")?.rejectionReason == .targetRoiBelowHurdle)
    }

    @Test mutating func budgetExceededPausesALiveCampaignOnItsOwn() throws {
        try approved("a")
        _ = try desk.perform(.launch, on: "a", in: &store)
        let events = try desk.apply(
            .budgetExceeded(
                BudgetExceeded(campaignId: "a", approvedBudget: Currency.euro.money(1), spend: Currency.euro.total(2))),
            to: &store)
        #expect(events == [.campaignPaused(CampaignPaused(campaignId: "a", reason: "budget-exceeded"))])
        #expect(store.campaign("a")?.status == .paused)
        #expect(store.campaign("a")?.pauseReason == "budget-exceeded")
        #expect(throws: CampaignError.budgetExceeded("a")) { try desk.perform(.resume, on: "a", in: &store) }
    }

    @Test mutating func budgetExceededBeforeLaunchBlocksTheLaunch() throws {
        try approved("a")
        let events = try desk.apply(
            .budgetExceeded(
                BudgetExceeded(campaignId: "a", approvedBudget: Currency.euro.money(1), spend: Currency.euro.total(2))),
            to: &store)
        #expect(events.isEmpty)
        #expect(throws: CampaignError.budgetExceeded("a")) { try desk.perform(.launch, on: "a", in: &store) }
    }

    @Test mutating func decisionsAboutUnknownCampaignsBreakARule() throws {
        #expect(throws: EventRejection.self) {
            try desk.apply(
                .budgetApproved(
                    BudgetApproved(
                        campaignId: "ghost", approvedBudget: Currency.euro.money(1),
                        quarter: Quarter(year: 2026, number: 4))),
                to: &store)
        }
    }
}

@Suite struct BriefingTests {
    let desk = CampaignDesk()
    var store = MarketingState()

    mutating func live(_ id: String, budget: Int64, target: Int64, spend: Int64, revenue: Int64, conversions: Int64 = 1)
        throws
    {
        let planned = CampaignPlanned(
            campaignId: id, name: id, channel: .search, segment: "s", requestedBudget: Currency.euro.money(budget),
            startDate: CalendarDate("2026-10-01")!, endDate: CalendarDate("2026-12-31")!, targetRoiBps: target)
        _ = try desk.plan(planned, in: &store)
        _ = try desk.apply(
            .budgetApproved(
                BudgetApproved(
                    campaignId: id, approvedBudget: Currency.euro.money(budget), quarter: Quarter(year: 2026, number: 4)
                )),
            to: &store)
        _ = try desk.perform(.launch, on: id, in: &store)
        _ = try desk.apply(
            .roiReported(
                RoiReported(
                    campaignId: id, spend: Currency.euro.total(spend), revenue: Currency.euro.total(revenue),
                    conversions: conversions)),
            to: &store)
    }

    func actions(_ briefing: Briefing) -> [String] {
        briefing.recommendations.map { "\($0.action.rawValue):\($0.campaignId ?? $0.segment ?? "")" }
    }

    @Test mutating func scaleNeedsROIAtTargetAndSpendUnder80Percent() throws {
        try live("at-target", budget: 1_000_000, target: 2000, spend: 100_000, revenue: 120_000)  // ROI exactly 2000
        try live("spend-at-80", budget: 1_000_000, target: 2000, spend: 800_000, revenue: 2_000_000)
        try live("below-target", budget: 1_000_000, target: 2000, spend: 100_000, revenue: 119_999)
        let briefing = try Briefing.make(from: store, policy: BriefingPolicy(), currency: "EUR")
        #expect(actions(briefing) == ["scale:at-target"])
        #expect(briefing.campaigns.map(\.campaignId) == ["at-target", "below-target", "spend-at-80"], "ordered by id")
        #expect(briefing.campaigns.first?.meetsTarget == true)
        #expect(briefing.campaigns[1].roiBps == 1999)
        #expect(briefing.campaigns[1].meetsTarget == false)
    }

    @Test mutating func pauseNeedsNegativeROIAndSpendFrom50Percent() throws {
        try live("half-spent", budget: 1_000_000, target: 0, spend: 500_000, revenue: 499_999)
        try live("under-half", budget: 1_000_000, target: 0, spend: 499_999, revenue: 0)
        try live("break-even", budget: 1_000_000, target: 0, spend: 600_000, revenue: 600_000)
        let briefing = try Briefing.make(from: store, policy: BriefingPolicy(), currency: "EUR")
        #expect(actions(briefing) == ["scale:break-even", "pause:half-spent"])
    }

    @Test mutating func pausedCampaignsGetNoRecommendation() throws {
        try live("a", budget: 100, target: 0, spend: 90, revenue: 0)
        _ = try desk.perform(.pause, on: "a", in: &store)
        #expect(try Briefing.make(from: store, policy: BriefingPolicy(), currency: "EUR").recommendations.isEmpty)
    }

    @Test mutating func retentionNeedsTheThresholdOfChurnRiskCustomersInASegment() throws {
        let epoch = Timestamp(millisecondsSinceEpoch: 0)
        for index in 0..<10 {
            _ = try desk.apply(churnRiskDetected("y\(index)", "young", at: epoch), to: &store)
        }
        for index in 0..<9 {
            _ = try desk.apply(churnRiskDetected("o\(index)", "old", at: epoch, reason: .inactive), to: &store)
        }
        // The same customer again is not counted twice.
        _ = try desk.apply(churnRiskDetected("o1", "old", at: epoch, reason: .inactive), to: &store)
        let briefing = try Briefing.make(from: store, policy: BriefingPolicy(), currency: "EUR")
        #expect(briefing.churnRiskBySegment == ["young": 10, "old": 9])
        #expect(actions(briefing) == ["retention-campaign:young"])
    }

    func detected(_ customer: String, _ segment: String, _ time: String) -> DomainEvent {
        churnRiskDetected(customer, segment, at: Timestamp(iso8601: time)!)
    }

    func cleared(_ customer: String, _ segment: String, _ time: String) -> DomainEvent {
        .churnRiskCleared(
            ChurnRiskCleared(
                customerId: customer, segment: segment, activity: .visit, clearedAt: Timestamp(iso8601: time)!))
    }

    func moved(_ customer: String, from: String, to: String, _ time: String) -> DomainEvent {
        .churnRiskSegmentChanged(
            ChurnRiskSegmentChanged(
                customerId: customer, previousSegment: from, segment: to, changedAt: Timestamp(iso8601: time)!))
    }

    @Test mutating func theBriefingCountsWhoIsAtRiskNow() throws {
        for index in 0..<11 {
            _ = try desk.apply(detected("y\(index)", "young", "2026-11-0\(index % 9 + 1)T08:00:00Z"), to: &store)
        }
        _ = try desk.apply(detected("o1", "old", "2026-11-01T08:00:00Z"), to: &store)
        var briefing = try Briefing.make(from: store, policy: BriefingPolicy(), currency: "EUR")
        #expect(briefing.churnRiskBySegment == ["young": 11, "old": 1])
        #expect(actions(briefing) == ["retention-campaign:young"])

        // Two come back; one moves to another segment: young drops below the threshold of 10.
        _ = try desk.apply(cleared("y0", "young", "2026-12-20T10:00:00Z"), to: &store)
        _ = try desk.apply(cleared("y1", "young", "2026-12-20T10:00:00Z"), to: &store)
        _ = try desk.apply(moved("y2", from: "young", to: "old", "2026-12-20T10:00:00Z"), to: &store)
        briefing = try Briefing.make(from: store, policy: BriefingPolicy(), currency: "EUR")
        #expect(briefing.churnRiskBySegment == ["young": 8, "old": 2])
        #expect(actions(briefing).isEmpty)
        #expect(briefing.churnRiskPeriod?.quarter == Quarter("2026-Q4"))
        #expect(
            briefing.churnRiskPeriod?.bySegment == [
                "young": ChurnFlow(flagged: 11, recovered: 2), "old": ChurnFlow(flagged: 1),
            ])

        // Replays change nothing: a cleared episode is not cleared twice, an open one not flagged twice.
        _ = try desk.apply(cleared("y0", "young", "2026-12-20T10:00:00Z"), to: &store)
        _ = try desk.apply(detected("y3", "young", "2026-11-04T08:00:00Z"), to: &store)
        _ = try desk.apply(moved("y2", from: "young", to: "old", "2026-12-20T10:00:00Z"), to: &store)
        #expect(try Briefing.make(from: store, policy: BriefingPolicy(), currency: "EUR") == briefing)

        // A moved customer who comes back leaves the segment it moved to; a new episode counts again.
        _ = try desk.apply(cleared("y2", "old", "2027-01-05T10:00:00Z"), to: &store)
        _ = try desk.apply(detected("y0", "young", "2027-01-06T10:00:00Z"), to: &store)
        briefing = try Briefing.make(from: store, policy: BriefingPolicy(), currency: "EUR")
        #expect(briefing.churnRiskBySegment == ["young": 9, "old": 1])
        #expect(briefing.churnRiskPeriod?.quarter == Quarter("2027-Q1"))
        #expect(
            briefing.churnRiskPeriod?.bySegment == ["old": ChurnFlow(recovered: 1), "young": ChurnFlow(flagged: 1)])
    }

    @Test mutating func episodesMarketingNeverSawFlaggedChangeNothing() throws {
        _ = try desk.apply(cleared("ghost", "young", "2026-12-20T10:00:00Z"), to: &store)
        _ = try desk.apply(moved("ghost", from: "young", to: "old", "2026-12-20T10:00:00Z"), to: &store)
        let briefing = try Briefing.make(from: store, policy: BriefingPolicy(), currency: "EUR")
        #expect(briefing.churnRiskBySegment.isEmpty)
        #expect(briefing.churnRiskPeriod == nil)
    }

    @Test mutating func totalsAddUpEveryCampaign() throws {
        try live("a", budget: 1_000_000, target: 0, spend: 300_000, revenue: 900_000, conversions: 2)
        try live("b", budget: 2_000_000, target: 0, spend: 1_200_000, revenue: 450_001, conversions: 1)
        let totals = try Briefing.make(from: store, policy: BriefingPolicy(), currency: "EUR").totals
        #expect(totals.approvedBudget.amountMinor == 3_000_000)
        #expect(totals.spend.amountMinor == 1_500_000)
        #expect(totals.revenue.amountMinor == 1_350_001)
        #expect(totals.conversions == 3)
        #expect(totals.roiBps == -1000)  // (1350001 − 1500000) × 10000 / 1500000 = −999.99…
    }
}
