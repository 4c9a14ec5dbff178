import Marketing
import MarketingStore
import TestSupport
import Testing
import TriadEvents
import TriadStorage

/// Marketing's reallocation and acquisition tables on both stores: each quarter's proposal (with its
/// channels) and acquisition figures at the highest revision, whatever order and whichever
/// transaction copies arrive in; a campaign's projection and a ROI report's new customers kept.
@Suite struct ReallocationStoreTests {
    static let eur = Currency.euro
    static let epoch = Timestamp(millisecondsSinceEpoch: 0)

    /// 2027-Q1's split of 1,000.00 EUR: search 600.00 → `search`, social the rest (both with curves,
    /// social's expected revenue 450.00 → 600.00), and, when `email`, email 0 → 0 without a curve.
    static func proposal(_ quarter: String = "2027-Q1", revision: Int64, search: Int64, email: Bool = false)
        -> ReallocationProposed
    {
        var channels = [
            ChannelAllocation(
                channel: .search, currentShareBps: 6000, current: eur.money(60_000), proposed: eur.money(search),
                expectedRevenueCurrent: eur.money(90_000), expectedRevenueProposed: eur.money(80_000),
                marginalRoasBps: 8_000, reason: .belowBreakEven),
            ChannelAllocation(
                channel: .social, currentShareBps: 4000, current: eur.money(40_000),
                proposed: eur.money(100_000 - search), expectedRevenueCurrent: eur.money(45_000),
                expectedRevenueProposed: eur.money(60_000), marginalRoasBps: 12_000, reason: .gains),
        ]
        if email {
            channels.append(
                ChannelAllocation(
                    channel: .email, currentShareBps: 0, current: eur.money(0), proposed: eur.money(0),
                    expectedRevenueCurrent: nil, expectedRevenueProposed: nil, marginalRoasBps: nil,
                    reason: .notEnoughHistory))
        }
        return ReallocationProposed(
            quarter: Quarter(quarter)!, model: .linear, envelope: eur.money(100_000), channels: channels,
            revision: revision)
    }

    static func acquisition(_ quarter: String, revision: Int64, newCustomers: Int64) -> AcquisitionReported {
        AcquisitionReported(
            quarter: Quarter(quarter)!, spend: eur.total(90_000), revenue: eur.total(200_001), orders: 4,
            newCustomers: newCustomers, revision: revision)
    }

    static func batch(_ events: [DomainEvent], at number: Int) -> [IncomingEvent] {
        events.enumerated().map { index, event in
            incoming(event, id: "e-\(number)-\(index)", topic: event.type.topic, time: epoch)
        }
    }

    func briefing(in database: any Database) async throws -> Briefing {
        try await database.read { try BriefingQuery.briefing(policy: BriefingPolicy(), currency: "EUR", in: $0) }
    }

    @Test(arguments: Store.allCases)
    func theHighestRevisionOfEachQuarterIsKeptWithItsOwnChannels(_ store: Store) async throws {
        let database = try await store.open("mkt_realloc", migrations: Migrations.shared + MarketingSchema.migrations)
        let before = try await briefing(in: database)
        #expect(before.reallocation == nil && before.acquisition == nil)
        let batches: [[DomainEvent]] = [
            [
                .reallocationProposed(Self.proposal(revision: 1, search: 50_000, email: true)),
                .reallocationProposed(Self.proposal("2026-Q4", revision: 3, search: 60_000)),
                .acquisitionReported(Self.acquisition("2026-Q4", revision: 1, newCustomers: 1)),
                .acquisitionReported(Self.acquisition("2026-Q3", revision: 5, newCustomers: 7)),
                .customerAcquired(
                    CustomerAcquired(customerId: "u-1", orderId: "o-1", campaignId: nil, occurredAt: Self.epoch)),
            ],
            // Revision 2 drops email; late copies of revision 1 change nothing.
            [
                .reallocationProposed(Self.proposal(revision: 2, search: 42_000)),
                .acquisitionReported(Self.acquisition("2026-Q4", revision: 2, newCustomers: 3)),
            ],
            [
                .reallocationProposed(Self.proposal(revision: 1, search: 50_000, email: true)),
                .acquisitionReported(Self.acquisition("2026-Q4", revision: 1, newCustomers: 1)),
            ],
        ]
        for (number, events) in batches.enumerated() {
            let results = try await database.transaction { session in
                try MarketingBatch.apply(Self.batch(events, at: number), desk: CampaignDesk(), in: session)
            }
            #expect(results.allSatisfy { (try? $0.get()) == [] }, "batch \(number): \(results)")
        }
        let kept = try await briefing(in: database)
        #expect(kept.reallocation == Briefing.Reallocation(Self.proposal(revision: 2, search: 42_000)))
        // search 800.00 − 900.00, social 600.00 − 450.00.
        #expect(kept.reallocation?.expectedRevenueGain == Self.eur.money(5_000))
        // 900.00 over 3 new customers and 4 orders; 2,000.01 of revenue on 900.00 of spend.
        #expect(kept.acquisition == Briefing.Acquisition(Self.acquisition("2026-Q4", revision: 2, newCustomers: 3)))
        #expect(kept.acquisition?.cacMinor == 30_000 && kept.acquisition?.costPerOrderMinor == 22_500)
        #expect(kept.acquisition?.merBps == 22_222)

        // A revision too far past the stored one is refused, the rest of its batch taken.
        let forged = try await database.transaction { session in
            try MarketingBatch.apply(
                Self.batch(
                    [
                        .reallocationProposed(
                            Self.proposal(revision: 2 + EnvelopeChanged.maximumRevisionStep + 1, search: 0)),
                        .acquisitionReported(Self.acquisition("2026-Q4", revision: 3, newCustomers: 4)),
                    ], at: 9), desk: CampaignDesk(), in: session)
        }
        guard case .failure(let rejection) = forged.first else {
            Issue.record("the forged proposal was taken: \(forged)")
            return
        }
        #expect(rejection.field == "revision")
        #expect((try? forged.last?.get()) == [])
        let after = try await briefing(in: database)
        await database.close()
        #expect(after.reallocation?.revision == 2 && after.acquisition?.newCustomers == 4)
    }

    /// Two instances writing one quarter at once: one that did not see revision 2 writes revision 1
    /// after it, with a channel revision 2 does not have. The row and its channels stay revision 2's.
    @Test(arguments: Store.allCases)
    func aLowerRevisionWrittenLaterDoesNotMixItsChannelsIn(_ store: Store) async throws {
        let database = try await store.open(
            "mkt_realloc_race", migrations: Migrations.shared + MarketingSchema.migrations)
        for (revision, search, email) in [(2, 42_000, false), (1, 50_000, true)] as [(Int64, Int64, Bool)] {
            var state = MarketingState()
            _ = try CampaignDesk().apply(
                .reallocationProposed(Self.proposal(revision: revision, search: search, email: email)), to: &state)
            let written = state
            try await database.transaction { try MarketingBatch.save(written, in: $0) }
        }
        var newer = MarketingState()
        _ = try CampaignDesk().apply(.reallocationProposed(Self.proposal(revision: 3, search: 30_000)), to: &newer)
        let between = try await briefing(in: database)
        #expect(between.reallocation == Briefing.Reallocation(Self.proposal(revision: 2, search: 42_000)))
        let written = newer
        try await database.transaction { try MarketingBatch.save(written, in: $0) }
        let last = try await briefing(in: database)
        await database.close()
        #expect(last.reallocation == Briefing.Reallocation(Self.proposal(revision: 3, search: 30_000)))
    }

    @Test(arguments: Store.allCases)
    func aCampaignKeepsItsProjectionAndAReportItsNewCustomers(_ store: Store) async throws {
        let database = try await store.open(
            "mkt_projection", migrations: Migrations.shared + MarketingSchema.migrations)
        var state = MarketingState()
        for id in ["c-1", "c-2", "c-3"] {
            _ = try CampaignDesk().plan(
                CampaignPlanned(
                    campaignId: id, name: id, channel: .search, segment: "s", requestedBudget: Self.eur.money(10_000),
                    startDate: CalendarDate("2026-10-01")!, endDate: CalendarDate("2026-12-31")!, targetRoiBps: 2000),
                in: &state)
        }
        let planned = state
        try await database.transaction {
            try MarketingBatch.save(planned, newCampaigns: ["c-1".utf8Key, "c-2".utf8Key, "c-3".utf8Key], in: $0)
        }
        let q4 = Quarter("2026-Q4")!
        let events: [DomainEvent] = [
            .budgetApproved(
                BudgetApproved(
                    campaignId: "c-1", approvedBudget: Self.eur.money(10_000), quarter: q4,
                    projectedRevenue: Self.eur.money(13_000), projectedRoiBps: 3000, projectionReason: .curve)),
            .budgetRejected(
                BudgetRejected(
                    campaignId: "c-2", reason: .targetRoiBelowHurdle, requestedBudget: Self.eur.money(10_000),
                    quarter: q4, projectionReason: .notEnoughHistory)),
            .budgetApproved(BudgetApproved(campaignId: "c-3", approvedBudget: Self.eur.money(10_000), quarter: q4)),
            .roiReported(
                RoiReported(
                    campaignId: "c-1", spend: Self.eur.total(9_000), revenue: Self.eur.total(20_000), conversions: 4,
                    newCustomers: 2)),
            .roiReported(
                RoiReported(
                    campaignId: "c-3", spend: Self.eur.total(9_000), revenue: Self.eur.total(0), conversions: 0)),
        ]
        let (campaigns, briefing) = try await database.transaction { session in
            _ = try MarketingBatch.apply(Self.batch(events, at: 0), desk: CampaignDesk(), in: session)
            return (
                try CampaignsTable.campaigns(["c-1", "c-2", "c-3"], locking: false, in: session),
                try BriefingQuery.briefing(policy: BriefingPolicy(), currency: "EUR", in: session)
            )
        }
        await database.close()
        let projections = Dictionary(uniqueKeysWithValues: campaigns.map { ($0.id, $0.projection) })
        #expect(
            projections["c-1"]
                == Campaign.Projection(projectedRevenue: Self.eur.money(13_000), projectedRoiBps: 3000, reason: .curve))
        #expect(
            projections["c-2"]
                == Campaign.Projection(projectedRevenue: nil, projectedRoiBps: nil, reason: .notEnoughHistory))
        #expect(projections["c-3"] == .some(nil))
        let lines = Dictionary(uniqueKeysWithValues: briefing.campaigns.map { ($0.campaignId, $0) })
        #expect(lines["c-1"]?.projection == projections["c-1"] ?? nil)
        // 9,000 over 2 new customers, over 4 orders; c-3's report counts none (a report from before).
        #expect(lines["c-1"]?.newCustomers == 2 && lines["c-1"]?.cacMinor == 4_500)
        #expect(lines["c-1"]?.costPerOrderMinor == 2_250)
        #expect(lines["c-3"]?.newCustomers == nil && lines["c-3"]?.cacMinor == nil)
    }
}
