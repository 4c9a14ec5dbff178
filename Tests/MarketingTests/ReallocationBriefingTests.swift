import Testing
import TriadEvents

@testable import Marketing

/// What the board sees of finance's reallocation: the latest proposal per quarter and acquisition
/// figures per quarter (highest revision, bounded like the envelope's), the newest quarter of each in
/// the briefing, each campaign's projection from its budget decision, and `triad briefing`'s text.
@Suite struct ReallocationBriefingTests {
    let desk = CampaignDesk()
    static let eur = Currency.euro

    /// 2027-Q1's envelope of 1,000,000.00 EUR: search 60 % → 420,000.00 (bounded, its curve expects
    /// 900,000.00 → 756,000.00), social 30 % → 480,000.00 (gains, 450,000.00 → 648,000.00), email 10 %
    /// kept (no curve). Gains −144,000.00 + 198,000.00 = 54,000.00.
    static func proposal(_ quarter: String = "2027-Q1", revision: Int64, searchProposed: Int64 = 42_000_000)
        -> ReallocationProposed
    {
        ReallocationProposed(
            quarter: Quarter(quarter)!, model: .lastTouch, envelope: eur.money(100_000_000),
            channels: [
                ChannelAllocation(
                    channel: .search, currentShareBps: 6000, current: eur.money(60_000_000),
                    proposed: eur.money(searchProposed), expectedRevenueCurrent: eur.money(90_000_000),
                    expectedRevenueProposed: eur.money(75_600_000), marginalRoasBps: 9000, reason: .bounded),
                ChannelAllocation(
                    channel: .social, currentShareBps: 3000, current: eur.money(30_000_000),
                    proposed: eur.money(90_000_000 - searchProposed),
                    expectedRevenueCurrent: eur.money(45_000_000), expectedRevenueProposed: eur.money(64_800_000),
                    marginalRoasBps: 13_500, reason: .gains),
                ChannelAllocation(
                    channel: .email, currentShareBps: 1000, current: eur.money(10_000_000),
                    proposed: eur.money(10_000_000), expectedRevenueCurrent: nil, expectedRevenueProposed: nil,
                    marginalRoasBps: nil, reason: .notEnoughHistory),
            ], revision: revision)
    }

    /// 2026-Q4: 19,000.00 of spend, 33,000.10 of revenue, 8 orders, 3 new customers — CAC 6,333.33
    /// (1,900,000 / 3 floored), cost per order 2,375.00, MER 17,368 bps (33,000,100 / 1,900,000 floored).
    static func acquisition(_ quarter: String = "2026-Q4", revision: Int64, newCustomers: Int64 = 3)
        -> AcquisitionReported
    {
        AcquisitionReported(
            quarter: Quarter(quarter)!, spend: eur.total(1_900_000), revenue: eur.total(3_300_010), orders: 8,
            newCustomers: newCustomers, revision: revision)
    }

    /// c-1 approved with a projection from its channel's curve (15,000.00 EUR, ROI 50 %); c-2 rejected
    /// with none (its channel has not enough history); c-3 approved by a finance from before projections.
    /// 2027-Q1's proposal at revision 2 (a late copy of revision 1 changes nothing), 2026-Q4's older;
    /// acquisition for 2026-Q3 and 2026-Q4.
    func state() throws -> MarketingState {
        var store = MarketingState()
        for (id, channel) in [("c-1", Channel.search), ("c-2", .social), ("c-3", .email)] {
            _ = try desk.plan(
                CampaignPlanned(
                    campaignId: id, name: id, channel: channel, segment: "s",
                    requestedBudget: Self.eur.money(1_000_000), startDate: CalendarDate("2026-10-01")!,
                    endDate: CalendarDate("2026-12-31")!, targetRoiBps: 2000), in: &store)
        }
        let q4 = Quarter("2026-Q4")!
        let events: [DomainEvent] = [
            .budgetApproved(
                BudgetApproved(
                    campaignId: "c-1", approvedBudget: Self.eur.money(1_000_000), quarter: q4,
                    projectedRevenue: Self.eur.money(1_500_000), projectedRoiBps: 5000, projectionReason: .curve)),
            .budgetRejected(
                BudgetRejected(
                    campaignId: "c-2", reason: .insufficientEnvelope, requestedBudget: Self.eur.money(1_000_000),
                    quarter: q4, projectionReason: .notEnoughHistory)),
            .budgetApproved(BudgetApproved(campaignId: "c-3", approvedBudget: Self.eur.money(1_000_000), quarter: q4)),
            .reallocationProposed(Self.proposal("2026-Q4", revision: 7, searchProposed: 60_000_000)),
            .reallocationProposed(Self.proposal(revision: 1, searchProposed: 48_000_000)),
            .reallocationProposed(Self.proposal(revision: 2)),
            .reallocationProposed(Self.proposal(revision: 1, searchProposed: 48_000_000)),
            .acquisitionReported(Self.acquisition("2026-Q3", revision: 4, newCustomers: 9)),
            .acquisitionReported(Self.acquisition(revision: 1, newCustomers: 1)),
            .acquisitionReported(Self.acquisition(revision: 2)),
            .customerAcquired(
                CustomerAcquired(
                    customerId: "u-1", orderId: "o-1", campaignId: "c-1",
                    occurredAt: Timestamp(iso8601: "2026-11-01T00:00:00Z")!)),
        ]
        for event in events { #expect(try desk.apply(event, to: &store).isEmpty, "\(event.type)") }
        return store
    }

    func briefing() throws -> Briefing {
        try Briefing.make(from: state(), policy: BriefingPolicy(), currency: "EUR")
    }

    @Test func theNewestQuarterOfEachIsBriefedAtItsHighestRevision() throws {
        let briefing = try briefing()
        let reallocation = try #require(briefing.reallocation)
        #expect(reallocation.quarter == Quarter("2027-Q1")! && reallocation.revision == 2)
        #expect(reallocation.channels.map(\.proposed.amountMinor) == [42_000_000, 48_000_000, 10_000_000])
        #expect(reallocation.channels.map(\.expectedRevenueGainMinor) == [-14_400_000, 19_800_000, nil])
        #expect(reallocation.expectedRevenueGain == Self.eur.money(5_400_000))
        #expect(
            briefing.acquisition
                == Briefing.Acquisition(Self.acquisition(revision: 2)),
            "2026-Q4 over 2026-Q3, revision 2 over 1")
        let acquisition = try #require(briefing.acquisition)
        #expect(acquisition.newCustomers == 3 && acquisition.cacMinor == 633_333)
        #expect(acquisition.costPerOrderMinor == 237_500 && acquisition.merBps == 17_368)
    }

    @Test func eachCampaignCarriesItsProjection() throws {
        let lines = Dictionary(uniqueKeysWithValues: try briefing().campaigns.map { ($0.campaignId, $0) })
        #expect(
            lines["c-1"]?.projection
                == Campaign.Projection(
                    projectedRevenue: Self.eur.money(1_500_000), projectedRoiBps: 5000, reason: .curve))
        #expect(
            lines["c-2"]?.projection
                == Campaign.Projection(projectedRevenue: nil, projectedRoiBps: nil, reason: .notEnoughHistory))
        #expect(lines["c-3"]?.projection == nil, "a decision from before projections")
        #expect(lines["c-1"]?.status == .approved && lines["c-2"]?.status == .rejected)
    }

    @Test func nothingBeforeFinanceReports() throws {
        let briefing = try Briefing.make(from: MarketingState(), policy: BriefingPolicy(), currency: "EUR")
        #expect(briefing.reallocation == nil && briefing.acquisition == nil)
        let text = BriefingText(briefing).text
        #expect(!text.contains("Reallocation") && !text.contains("Acquisition"))
    }

    @Test func aRevisionTooFarAheadIsRefusedForBoth() throws {
        var store = try state()
        let step = EnvelopeChanged.maximumRevisionStep
        let forged: [DomainEvent] = [
            .reallocationProposed(Self.proposal(revision: 2 + step + 1)),
            .acquisitionReported(Self.acquisition(revision: 2 + step + 1)),
            .reallocationProposed(Self.proposal("2027-Q2", revision: step + 1)),
        ]
        for event in forged {
            do {
                _ = try desk.apply(event, to: &store)
                Issue.record("\(event.type) at a revision past the step was taken")
            } catch {
                #expect(error.code == .ruleViolation && error.field == "revision")
                #expect(error.reason.contains("more than 1000 past revision"), "\(error)")
            }
        }
        #expect(store.reallocation(Quarter("2027-Q1")!)?.revision == 2)
        #expect(store.acquisition(Quarter("2026-Q4")!)?.revision == 2)
        #expect(store.reallocation(Quarter("2027-Q2")!) == nil)
        // Exactly the step is taken.
        _ = try desk.apply(.acquisitionReported(Self.acquisition(revision: 2 + step, newCustomers: 4)), to: &store)
        #expect(store.acquisition(Quarter("2026-Q4")!)?.cacMinor == 475_000)
    }

    @Test func theStoredRevisionIsWhatTheStepIsMeasuredFrom() throws {
        var store = MarketingState()
        store.know(
            storedReallocations: [Self.proposal(revision: 500)], storedAcquisitions: [Self.acquisition(revision: 9)])
        _ = try desk.apply(.reallocationProposed(Self.proposal(revision: 400)), to: &store)
        _ = try desk.apply(.acquisitionReported(Self.acquisition(revision: 9, newCustomers: 1)), to: &store)
        #expect(store.changedReallocations.isEmpty && store.changedAcquisitions.isEmpty, "old copies change nothing")
        _ = try desk.apply(.reallocationProposed(Self.proposal(revision: 1500)), to: &store)
        #expect(store.changedReallocations == [Quarter("2027-Q1")!])
    }

    // MARK: triad briefing

    @Test func theTextPrintsTheSplitAndTheAcquisitionFigures() throws {
        let lines = BriefingText(try briefing()).text.split(separator: "\n").map(String.init)
        #expect(
            lines.contains(
                "Acquisition in 2026-Q4: 3 new customers, CAC 6,333.33 EUR, cost per order 2,375.00 EUR, MER 173.68 %"))
        let start = try #require(lines.firstIndex { $0.hasPrefix("Reallocation") })
        #expect(
            Array(lines[start...(start + 4)]) == [
                "Reallocation proposed for 2027-Q1 under last-touch (revision 2): envelope 1,000,000.00 EUR, "
                    + "expected revenue gain 54,000.00 EUR",
                "channel           current         proposed     share  revenue gain marginal ROAS  reason",
                "search         600,000.00 →     420,000.00   60.00 %   −144,000.00       90.00 %  bounded",
                "social         300,000.00 →     480,000.00   30.00 %    198,000.00      135.00 %  gains",
                "email          100,000.00 →     100,000.00   10.00 %             –             –  not-enough-history",
            ])
    }

    @Test func rawTextKeepsMinorUnitsAndBasisPoints() throws {
        let lines = BriefingText(try briefing(), raw: true).text.split(separator: "\n").map(String.init)
        #expect(lines.contains("Acquisition in 2026-Q4: 3 new customers, CAC 633333, cost per order 237500, MER 17368"))
        let start = try #require(lines.firstIndex { $0.hasPrefix("Reallocation") })
        #expect(
            Array(lines[start...(start + 4)]) == [
                "Reallocation proposed for 2027-Q1 under last-touch (revision 2): envelope 100000000, "
                    + "expected revenue gain 5400000",
                "channel         current       proposed  share revenue gain    mROAS  reason",
                "search         60000000 →     42000000   6000    -14400000     9000  bounded",
                "social         30000000 →     48000000   3000     19800000    13500  gains",
                "email          10000000 →     10000000   1000            -        -  not-enough-history",
            ])
    }
}
