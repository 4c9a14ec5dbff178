import Analytics
import Testing
import TriadEvents

@Suite struct AnalyticsTests {
    let analytics = Analytics(policy: AnalyticsPolicy(attributionWindowDays: 30, inactivityDays: 60, currency: "EUR"))
    var store = AnalyticsState()
    static let day: Int64 = 86_400_000
    let t0 = Timestamp(iso8601: "2026-10-01T00:00:00Z")!

    func at(days: Int64, ms: Int64 = 0) -> Timestamp { t0.adding(milliseconds: days * Self.day + ms) }

    func interaction(
        _ customer: String, _ kind: InteractionKind, _ time: Timestamp, campaign: String? = nil, segment: String? = nil,
        order: String? = nil, revenue: Int64? = nil
    ) -> DomainEvent {
        .customerInteraction(
            CustomerInteraction(
                customerId: customer, kind: kind, occurredAt: time, campaignId: campaign, segment: segment,
                orderId: order,
                revenue: revenue.map { Currency.euro.money($0) }))
    }

    func attributed(_ events: [DomainEvent]) -> [ConversionAttributed] {
        events.compactMap { if case .conversionAttributed(let c) = $0 { c } else { nil } }
    }

    func churn(_ events: [DomainEvent]) -> [ChurnRiskDetected] {
        events.compactMap { if case .churnRiskDetected(let c) = $0 { c } else { nil } }
    }

    @Test mutating func purchasesGoToTheLatestTouchInsideTheWindow() throws {
        _ = try analytics.apply(interaction("u", .click, at(days: 0), campaign: "old"), to: &store)
        _ = try analytics.apply(interaction("u", .visit, at(days: 5), campaign: "new"), to: &store)
        // not a touch
        _ = try analytics.apply(interaction("u", .impression, at(days: 6), campaign: "shown"), to: &store)
        let events = try analytics.apply(
            interaction("u", .purchase, at(days: 7), order: "o1", revenue: 1234), to: &store)
        // Shared by the other models: old weighs 2^(−7/7) against new's 2^(−2/7) under time decay
        // (new 1 / (1 + 2^(−5/7)) = 62.13 %: 6213 bps, 766.7 → 767 cents).
        func credits(_ list: [(String, Int64, Int64)]) -> [CampaignCredit] {
            list.map { CampaignCredit(campaignId: $0.0, bps: $0.1, revenue: Currency.euro.money($0.2)) }
        }
        #expect(
            attributed(events) == [
                ConversionAttributed(
                    campaignId: "new", orderId: "o1", customerId: "u", revenue: Currency.euro.money(1234),
                    occurredAt: at(days: 7),
                    credits: [
                        .lastTouch: credits([("new", 10_000, 1234)]), .firstTouch: credits([("old", 10_000, 1234)]),
                        .linear: credits([("new", 5000, 617), ("old", 5000, 617)]),
                        .timeDecay: credits([("new", 6213, 767), ("old", 3787, 467)]),
                        .positionBased: credits([("new", 5000, 617), ("old", 5000, 617)]),
                    ])
            ])
        #expect(store.counters("new")?.purchases == 1)
        #expect(store.counters("new")?.revenueMinor == 1234)
    }

    @Test mutating func aTouchExactlyOneWindowBeforeStillCounts() throws {
        _ = try analytics.apply(interaction("u", .click, at(days: 0), campaign: "c"), to: &store)
        let events = try analytics.apply(interaction("u", .purchase, at(days: 30), order: "o1", revenue: 1), to: &store)
        #expect(attributed(events).map(\.campaignId) == ["c"])
    }

    @Test mutating func aTouchOneMillisecondOutsideTheWindowDoesNot() throws {
        _ = try analytics.apply(interaction("u", .click, at(days: 0), campaign: "c"), to: &store)
        let events = try analytics.apply(
            interaction("u", .purchase, at(days: 30, ms: 1), order: "o1", revenue: 7), to: &store)
        #expect(attributed(events).isEmpty)
        #expect(
            store.organic
                == {
                    var o = OrganicTotals()
                    o.purchases = 1
                    o.revenueMinor = 7
                    return o
                }())
    }

    @Test mutating func aPurchasesOwnCampaignWins() throws {
        _ = try analytics.apply(interaction("u", .click, at(days: 0), campaign: "touched"), to: &store)
        let events = try analytics.apply(
            interaction("u", .purchase, at(days: 1), campaign: "own", order: "o1", revenue: 1), to: &store)
        #expect(attributed(events).map(\.campaignId) == ["own"])
        #expect(store.counters("own")?.purchases == 1)
    }

    @Test mutating func touchesAfterThePurchaseAreNotUsedRetroactively() throws {
        let first = try analytics.apply(interaction("u", .purchase, at(days: 10), order: "o1", revenue: 1), to: &store)
        #expect(attributed(first).isEmpty)
        _ = try analytics.apply(interaction("u", .click, at(days: 9), campaign: "late"), to: &store)
        // The late touch does count for later purchases.
        let second = try analytics.apply(interaction("u", .purchase, at(days: 11), order: "o2", revenue: 1), to: &store)
        #expect(attributed(second).map(\.campaignId) == ["late"])
        #expect(store.organic.purchases == 1)
    }

    @Test mutating func touchesInTheFutureOfThePurchaseAreIgnored() throws {
        _ = try analytics.apply(interaction("u", .click, at(days: 20), campaign: "future"), to: &store)
        _ = try analytics.apply(interaction("u", .click, at(days: 5), campaign: "past"), to: &store)
        let events = try analytics.apply(interaction("u", .purchase, at(days: 10), order: "o1", revenue: 1), to: &store)
        #expect(attributed(events).map(\.campaignId) == ["past"])
    }

    @Test mutating func anOrderIsAttributedOnceHoweverOftenItArrives() throws {
        _ = try analytics.apply(interaction("u", .click, at(days: 0), campaign: "c"), to: &store)
        let first = try analytics.apply(interaction("u", .purchase, at(days: 1), order: "o1", revenue: 500), to: &store)
        let again = try analytics.apply(interaction("u", .purchase, at(days: 1), order: "o1", revenue: 500), to: &store)
        #expect(attributed(first).count == 1)
        #expect(attributed(again).isEmpty)
        #expect(store.counters("c")?.purchases == 1)
        #expect(store.counters("c")?.revenueMinor == 500)
        #expect(store.customer("u")?.purchases == 1)
    }

    @Test mutating func countersCountEveryKindCarryingTheCampaign() throws {
        for kind in [InteractionKind.impression, .impression, .click, .visit, .signup, .unsubscribe] {
            _ = try analytics.apply(interaction("u", kind, at(days: 0), campaign: "c"), to: &store)
        }
        _ = try analytics.apply(interaction("v", .click, at(days: 0)), to: &store)  // no campaign
        let counters = store.counters("c")
        #expect(counters?.impressions == 2)
        #expect(counters?.clicks == 1)
        #expect(counters?.visits == 1)
        #expect(counters?.signups == 1)
        let reports = analytics.performanceReports(current: store.allCounters(), lastReported: [:])
        #expect(
            reports == [
                .campaignPerformanceReported(
                    CampaignPerformanceReported(
                        campaignId: "c", impressions: 2, clicks: 1, visits: 1, signups: 1, purchases: 0,
                        revenue: Currency.euro.total(0)))
            ])
        let reported = Dictionary(uniqueKeysWithValues: store.allCounters().map { ($0.campaignId.utf8Key, $0) })
        #expect(analytics.performanceReports(current: store.allCounters(), lastReported: reported).isEmpty)
    }

    @Test mutating func segmentIsTheLatestSeenElseUnassigned() throws {
        _ = try analytics.apply(interaction("u", .click, at(days: 0)), to: &store)
        #expect(store.customer("u")?.segment == "unassigned")
        _ = try analytics.apply(interaction("u", .click, at(days: 1), segment: "young"), to: &store)
        _ = try analytics.apply(interaction("u", .click, at(days: 2)), to: &store)
        #expect(store.customer("u")?.segment == "young")
        let events = try analytics.apply(interaction("u", .unsubscribe, at(days: 3)), to: &store)
        #expect(churn(events).map(\.segment) == ["young"])
    }

    @Test mutating func unsubscribingIsAChurnRiskOncePerEpisode() throws {
        let first = try analytics.apply(interaction("u", .unsubscribe, at(days: 0), segment: "s"), to: &store)
        #expect(churn(first).map(\.reason) == [.unsubscribed])
        #expect(churn(try analytics.apply(interaction("u", .unsubscribe, at(days: 1)), to: &store)).isEmpty)
        // Active again: a new episode.
        _ = try analytics.apply(interaction("u", .visit, at(days: 2)), to: &store)
        #expect(churn(try analytics.apply(interaction("u", .unsubscribe, at(days: 3)), to: &store)).count == 1)
    }

    @Test mutating func silentBuyersBecomeAtRiskExactlyAtTheThresholdInEventTime() throws {
        _ = try analytics.apply(
            interaction("buyer", .purchase, at(days: 0), segment: "loyal", order: "o", revenue: 1), to: &store)
        _ = try analytics.apply(interaction("browser", .visit, at(days: 0)), to: &store)  // never bought: never at risk
        let before = try analytics.apply(interaction("other", .impression, at(days: 60, ms: -1)), to: &store)
        #expect(churn(before).isEmpty)
        let at60 = try analytics.apply(interaction("other", .impression, at(days: 60)), to: &store)
        #expect(
            churn(at60) == [
                ChurnRiskDetected(
                    customerId: "buyer", segment: "loyal", reason: .inactive, lastActivityAt: at(days: 0),
                    detectedAt: at(days: 60))
            ])
        // Once per episode.
        #expect(churn(try analytics.apply(interaction("other", .impression, at(days: 90)), to: &store)).isEmpty)
    }

    @Test mutating func impressionsAreNotActivity() throws {
        _ = try analytics.apply(interaction("u", .purchase, at(days: 0), order: "o", revenue: 1), to: &store)
        _ = try analytics.apply(interaction("u", .impression, at(days: 59), campaign: "c"), to: &store)
        #expect(
            churn(try analytics.apply(interaction("x", .impression, at(days: 60)), to: &store)).map(\.customerId) == [
                "u"
            ])
    }

    @Test mutating func activityStartsANewEpisode() throws {
        _ = try analytics.apply(interaction("u", .purchase, at(days: 0), order: "o", revenue: 1), to: &store)
        #expect(churn(try analytics.apply(interaction("x", .impression, at(days: 61)), to: &store)).count == 1)
        _ = try analytics.apply(interaction("u", .visit, at(days: 62)), to: &store)
        #expect(churn(try analytics.apply(interaction("x", .impression, at(days: 121)), to: &store)).isEmpty)
        #expect(
            churn(try analytics.apply(interaction("x", .impression, at(days: 122)), to: &store)).map(\.customerId) == [
                "u"
            ])
    }

    func cleared(_ events: [DomainEvent]) -> [ChurnRiskCleared] {
        events.compactMap { if case .churnRiskCleared(let c) = $0 { c } else { nil } }
    }

    func moved(_ events: [DomainEvent]) -> [ChurnRiskSegmentChanged] {
        events.compactMap { if case .churnRiskSegmentChanged(let c) = $0 { c } else { nil } }
    }

    @Test mutating func activityEndsAnEpisodeAndSaysSo() throws {
        _ = try analytics.apply(
            interaction("u", .purchase, at(days: 0), segment: "loyal", order: "o", revenue: 1), to: &store)
        #expect(
            churn(try analytics.apply(interaction("x", .impression, at(days: 60)), to: &store)).map(\.customerId) == [
                "u"
            ])
        // Neither an impression nor an unsubscribe ends it.
        #expect(
            cleared(try analytics.apply(interaction("u", .impression, at(days: 61), campaign: "c"), to: &store)).isEmpty
        )
        let unsubscribed = try analytics.apply(interaction("u", .unsubscribe, at(days: 62)), to: &store)
        #expect(cleared(unsubscribed).isEmpty && churn(unsubscribed).isEmpty)
        // A click does, once.
        let back = try analytics.apply(interaction("u", .click, at(days: 63), campaign: "c"), to: &store)
        #expect(
            cleared(back) == [
                ChurnRiskCleared(customerId: "u", segment: "loyal", activity: .click, clearedAt: at(days: 63))
            ])
        #expect(cleared(try analytics.apply(interaction("u", .visit, at(days: 64)), to: &store)).isEmpty)
        #expect(store.customer("u")?.atRisk == false)
    }

    @Test mutating func activityOlderThanTheLastOneDoesNotEndAnEpisode() throws {
        _ = try analytics.apply(interaction("u", .visit, at(days: 10)), to: &store)
        _ = try analytics.apply(interaction("u", .unsubscribe, at(days: 11)), to: &store)
        #expect(cleared(try analytics.apply(interaction("u", .click, at(days: 9), campaign: "c"), to: &store)).isEmpty)
        let back = try analytics.apply(interaction("u", .signup, at(days: 12)), to: &store)
        #expect(cleared(back).map(\.activity) == [.signup])
    }

    @Test mutating func aFlaggedCustomerMovingSegmentIsReported() throws {
        _ = try analytics.apply(interaction("u", .unsubscribe, at(days: 0), segment: "young"), to: &store)
        // An impression carrying the CRM's new segment moves the customer, and does not end the episode.
        let events = try analytics.apply(interaction("u", .impression, at(days: 1), segment: "loyal"), to: &store)
        #expect(
            moved(events) == [
                ChurnRiskSegmentChanged(
                    customerId: "u", previousSegment: "young", segment: "loyal", changedAt: at(days: 1))
            ])
        #expect(cleared(events).isEmpty)
        // The same segment again is no change; a customer not at risk moves silently.
        #expect(
            moved(try analytics.apply(interaction("u", .impression, at(days: 2), segment: "loyal"), to: &store)).isEmpty
        )
        _ = try analytics.apply(interaction("v", .visit, at(days: 0), segment: "young"), to: &store)
        #expect(moved(try analytics.apply(interaction("v", .visit, at(days: 1), segment: "loyal"), to: &store)).isEmpty)
        // Moving and coming back in one interaction: both, the episode ending in the new segment.
        _ = try analytics.apply(interaction("w", .unsubscribe, at(days: 0), segment: "young"), to: &store)
        let both = try analytics.apply(
            interaction("w", .purchase, at(days: 3), segment: "vip", order: "o-w", revenue: 5), to: &store)
        #expect(moved(both).map(\.segment) == ["vip"])
        #expect(
            cleared(both) == [
                ChurnRiskCleared(customerId: "w", segment: "vip", activity: .purchase, clearedAt: at(days: 3))
            ])
    }

    @Test mutating func eachPartitionHasItsOwnEventClock() throws {
        _ = try analytics.apply(
            interaction("u", .purchase, at(days: 0), order: "o", revenue: 1), partition: 1, to: &store)
        // Time moves on another partition only: u's partition has not seen day 60 yet.
        #expect(churn(try analytics.apply(interaction("x", .visit, at(days: 70)), partition: 2, to: &store)).isEmpty)
        #expect(store.eventClock(partition: 1) == at(days: 0))
        #expect(
            churn(try analytics.apply(interaction("y", .impression, at(days: 60)), partition: 1, to: &store)).map(
                \.customerId) == ["u"])
    }

    @Test mutating func aCustomerMovingPartitionIsCheckedOnItsNewPartition() throws {
        _ = try analytics.apply(
            interaction("u", .purchase, at(days: 0), order: "o", revenue: 1), partition: 1, to: &store)
        _ = try analytics.apply(interaction("u", .impression, at(days: 1)), partition: 2, to: &store)
        #expect(
            churn(try analytics.apply(interaction("y", .impression, at(days: 60)), partition: 1, to: &store)).isEmpty)
        #expect(
            churn(try analytics.apply(interaction("z", .impression, at(days: 60)), partition: 2, to: &store)).map(
                \.customerId) == ["u"])
    }

    @Test mutating func totalsThatWouldOverflowRefuseTheEventAndChangeNothing() throws {
        let limit = AnalyticsState.partitionTotalLimit
        _ = try analytics.apply(
            interaction("u", .purchase, at(days: 0), campaign: "c", order: "o1", revenue: limit - 1), to: &store)
        #expect(
            throws: EventRejection(
                .totalOverflow, field: "revenue.amountMinor", "would take the totals past \(limit) on partition 0")
        ) {
            try analytics.apply(
                interaction("u", .purchase, at(days: 1), campaign: "c", order: "o2", revenue: 2), to: &store)
        }
        #expect(store.counters("c")?.revenueMinor == limit - 1)
        #expect(store.customer("u")?.purchases == 1, "the refused purchase changed nothing")
        _ = try analytics.apply(
            interaction("u", .purchase, at(days: 1), campaign: "c", order: "o3", revenue: 1), to: &store)
        #expect(store.counters("c")?.revenueMinor == limit)
    }

    @Test mutating func eventTimesTooFarAheadOfTheWallClockAreRefused() throws {
        let now = at(days: 0)
        let edge = now.adding(milliseconds: analytics.policy.maxAheadMilliseconds)
        _ = try analytics.apply(interaction("u", .click, edge, campaign: "c"), now: now, to: &store)
        #expect(throws: EventRejection.self) {
            try analytics.apply(interaction("u", .impression, edge.adding(milliseconds: 1)), now: now, to: &store)
        }
        #expect(store.eventClock() == edge, "the refused event moved no clock")
        #expect(analytics.policy.maxAheadMilliseconds == 720 * 3_600_000)
    }

    @Test mutating func lateEventsDoNotMoveTheClockBack() throws {
        _ = try analytics.apply(interaction("u", .purchase, at(days: 0), order: "o", revenue: 1), to: &store)
        _ = try analytics.apply(interaction("x", .visit, at(days: 50)), to: &store)
        _ = try analytics.apply(interaction("x", .visit, at(days: 10)), to: &store)
        #expect(store.eventClock() == at(days: 50))
        #expect(
            churn(try analytics.apply(interaction("y", .visit, at(days: 60)), to: &store)).map(\.customerId) == ["u"])
    }
}
