import Analytics
import TestSupport
import Testing
import TriadEvents

/// The five rule-based models on journeys worked by hand, through `Analytics.apply`: a 30-day window
/// and a 24-hour half-life, so time decay's weights are powers of two.
@Suite struct AttributionRulesTests {
    let analytics = Analytics(
        policy: AnalyticsPolicy(attributionWindowDays: 30, timeDecayHalfLifeHours: 24, currency: "EUR"))
    var state = AnalyticsState()
    static let day: Int64 = 86_400_000
    let t0 = Timestamp(iso8601: "2026-10-01T00:00:00Z")!

    func at(days: Int64, ms: Int64 = 0) -> Timestamp { t0.adding(milliseconds: days * Self.day + ms) }

    mutating func touch(_ campaign: String, _ time: Timestamp, customer: String = "u", kind: InteractionKind = .click)
        throws
    {
        _ = try analytics.apply(
            .customerInteraction(
                CustomerInteraction(customerId: customer, kind: kind, occurredAt: time, campaignId: campaign)),
            to: &state)
    }

    /// The credits of a purchase, or nil when none was emitted (organic).
    mutating func buy(
        _ order: String, _ time: Timestamp, revenue: Int64, campaign: String? = nil, customer: String = "u"
    ) throws -> ConversionAttributed? {
        let events = try analytics.apply(
            .customerInteraction(
                CustomerInteraction(
                    customerId: customer, kind: .purchase, occurredAt: time, campaignId: campaign, orderId: order,
                    revenue: Currency.euro.money(revenue))),
            to: &state)
        return events.compactMap { if case .conversionAttributed(let c) = $0 { c } else { nil } }.first
    }

    /// `[campaign: (bps, revenue)]` per model, as written in the expectations.
    func credits(_ conversion: ConversionAttributed?) -> [AttributionModel: [String]] {
        (conversion?.credits ?? [:]).mapValues { list in
            list.map { "\($0.campaignId) \($0.bps) \($0.revenue.amountMinor)" }
        }
    }

    func every(_ list: [String]) -> [AttributionModel: [String]] {
        Dictionary(uniqueKeysWithValues: AttributionModel.allCases.map { ($0, list) })
    }

    @Test mutating func oneTouchIsCreditedWhollyByEveryModel() throws {
        try touch("c-a", at(days: 0))
        let conversion = try buy("o", at(days: 1), revenue: 1000)
        #expect(conversion?.campaignId == "c-a")
        #expect(credits(conversion) == every(["c-a 10000 1000"]))
    }

    /// a at day 0, b at day 1, bought at day 2. Time decay: a weighs 1/4, b 1/2: a 1/3, b 2/3, so
    /// 3333.3 and 6666.7 bps (the unit left to b), 333.3 and 666.7 cents (to b).
    @Test mutating func twoTouches() throws {
        try touch("a", at(days: 0))
        try touch("b", at(days: 1), kind: .visit)
        let conversion = try buy("o", at(days: 2), revenue: 1000)
        #expect(conversion?.campaignId == "b")
        #expect(
            credits(conversion) == [
                .lastTouch: ["b 10000 1000"], .firstTouch: ["a 10000 1000"], .linear: ["a 5000 500", "b 5000 500"],
                .timeDecay: ["a 3333 333", "b 6667 667"], .positionBased: ["a 5000 500", "b 5000 500"],
            ])
    }

    /// a, b, c, a, d on days 0–4, bought on day 5 for 9.99.
    /// Linear: a 2/5, the others 1/5: 4000 / 2000 bps; 399.6 and 199.8 cents: floors 399 + 3 × 199 =
    /// 996, the 3 left to the largest fractions, .8 each (b, c, d).
    /// Position based (n = 5: ends 6, middles 1, of 15): a 6 + 1 = 7/15, b 1/15, c 1/15, d 6/15:
    /// 4666.7, 666.7, 666.7, 4000 bps, the 2 left tie at 2/3 and go to the smaller ids a and b;
    /// 466.2, 66.6, 66.6, 399.6 cents, the 2 left tie at .6 among b, c, d and go to b and c.
    /// Time decay (ages 5, 4, 3, 2, 1 days): a 1/32 + 1/4 = 9/32, b 1/16, c 1/8, d 1/2 (of 31/32): a 9/31,
    /// b 2/31, c 4/31, d 16/31: 2903.2, 645.2, 1290.3, 5161.3 bps, the 1 left to c (.32);
    /// 290.03, 64.45, 128.90, 515.61 cents, the 2 left to c (.90) and d (.61).
    @Test mutating func fiveTouchesWithARepeatedCampaign() throws {
        for (day, campaign) in ["a", "b", "c", "a", "d"].enumerated() { try touch(campaign, at(days: Int64(day))) }
        let conversion = try buy("o", at(days: 5), revenue: 999)
        #expect(
            credits(conversion) == [
                .lastTouch: ["d 10000 999"], .firstTouch: ["a 10000 999"],
                .linear: ["a 4000 399", "b 2000 200", "c 2000 200", "d 2000 200"],
                .timeDecay: ["a 2903 290", "b 645 64", "c 1291 129", "d 5161 516"],
                .positionBased: ["a 4667 466", "b 667 67", "c 666 67", "d 4000 399"],
            ])
    }

    /// a at day 0, b at day 1, bought at day 2 naming c: c is the last touch.
    /// Linear: 3333.3 each, the 1 left to a (ties to the smaller id); 333.3 cents, likewise.
    /// Position based (n = 3: 2, 1, 2 of 5): 4000, 2000, 4000.
    /// Time decay: 1/4, 1/2, 1 of 7/4 = 1/7, 2/7, 4/7: 1428.6, 2857.1, 5714.3 bps (the 1 left to a);
    /// 142.9, 285.7, 571.4 cents (the 2 left to a and b).
    @Test mutating func thePurchasesOwnCampaignIsTheLastTouch() throws {
        try touch("a", at(days: 0))
        try touch("b", at(days: 1))
        let conversion = try buy("o", at(days: 2), revenue: 1000, campaign: "c")
        #expect(conversion?.campaignId == "c")
        #expect(
            credits(conversion) == [
                .lastTouch: ["c 10000 1000"], .firstTouch: ["a 10000 1000"],
                .linear: ["a 3334 334", "b 3333 333", "c 3333 333"],
                .timeDecay: ["a 1429 143", "b 2857 286", "c 5714 571"],
                .positionBased: ["a 4000 400", "b 2000 200", "c 4000 400"],
            ])
    }

    /// Touches at one instant count in the order they were applied; the purchase's own campaign at
    /// that instant comes after them. Here a, b, then a (the purchase's own), for 3.00:
    /// linear a 2/3, b 1/3; position based a 2 + 2, b 1 (of 5); time decay as linear (one instant).
    @Test mutating func touchesAtOneInstant() throws {
        try touch("a", at(days: 1))
        try touch("b", at(days: 1), kind: .visit)
        let conversion = try buy("o", at(days: 1), revenue: 300, campaign: "a")
        #expect(
            credits(conversion) == [
                .lastTouch: ["a 10000 300"], .firstTouch: ["a 10000 300"], .linear: ["a 6667 200", "b 3333 100"],
                .timeDecay: ["a 6667 200", "b 3333 100"], .positionBased: ["a 8000 240", "b 2000 60"],
            ])

        // Without a campaign of its own, the one applied last at the instant is the last touch.
        try touch("b", at(days: 1), customer: "v")
        try touch("a", at(days: 1), customer: "v")
        let other = try buy("o2", at(days: 2), revenue: 100, customer: "v")
        #expect(other?.campaignId == "a")
        #expect(credits(other)[.firstTouch] == ["b 10000 100"])
    }

    /// A touch exactly one window before counts, one a millisecond earlier does not.
    @Test mutating func theWindowIncludesItsStart() throws {
        try touch("outside", at(days: 0, ms: -1))
        try touch("edge", at(days: 0))
        try touch("late", at(days: 20))
        let conversion = try buy("o", at(days: 30), revenue: 100)
        #expect(credits(conversion)[.firstTouch] == ["edge 10000 100"])
        #expect(credits(conversion)[.linear] == ["edge 5000 50", "late 5000 50"])
        // Nothing inside: organic under every model.
        #expect(try buy("o2", at(days: 61), revenue: 100) == nil)
        #expect(state.organic.purchases == 1)
    }

    /// Of 257 touches the 256 latest count; with the purchase's own campaign, the 255 latest stored.
    @Test mutating func the257thTouchIsLeftOut() throws {
        try touch("first", at(days: 0), customer: "u")
        try touch("first", at(days: 0), customer: "v")
        for minute in 1...256 {
            try touch("x", at(days: 0, ms: Int64(minute) * 60_000), customer: "u")
            if minute <= 255 { try touch("x", at(days: 0, ms: Int64(minute) * 60_000), customer: "v") }
        }
        let u = try buy("o-u", at(days: 1), revenue: 100, customer: "u")
        #expect(credits(u) == every(["x 10000 100"]))

        // v: first + 255 x + its own: 257, so first is left out; linear x 255/256 = 9960.9 bps, own
        // 39.06 (the 1 left to x), 25,500 and 100 cents exactly.
        let v = try buy("o-v", at(days: 1), revenue: 25_600, campaign: "own", customer: "v")
        #expect(credits(v)[.firstTouch] == ["x 10000 25600"])
        #expect(credits(v)[.linear] == ["own 39 100", "x 9961 25500"])
    }
}

/// Seeded random journeys: every model's credits are whole orders, last touch is today's rule, and
/// replaying a batch changes nothing.
@Suite struct AttributionPropertyTests {
    static let day: Int64 = 86_400_000

    @Test func randomJourneysAreCreditedExactly() throws {
        let policy = AnalyticsPolicy(attributionWindowDays: 3, timeDecayHalfLifeHours: 7, currency: "EUR")
        let analytics = Analytics(policy: policy)
        let rules = ValidationRules(currency: .euro)
        var random = SeededRandom(seed: 25)
        var state = AnalyticsState()
        let start = Timestamp(iso8601: "2026-10-01T00:00:00Z")!
        var purchases = 0
        var attributed = 0
        // Every touch applied, per customer, with the order it was applied in: today's rule's oracle.
        var applied: [String: [(touch: Touch, order: Int)]] = [:]
        var touches = 0

        var batch: Int64 = 0
        while purchases < 10_000 {
            var events: [DomainEvent] = []
            var expected: [String: String] = [:]
            var organic: Set<String> = []
            for index in 0..<40 {
                let customer = "u-\(random.next(300))"
                // Mostly forward in time, some days late; several events at one instant.
                let late = random.next(10) == 0 ? Int64(random.next(5)) * Self.day : 0
                let time = start.adding(milliseconds: batch * 600_000 + Int64(random.next(50)) * 60_000 - late)
                let campaign = random.next(8) == 0 ? "c-é\(random.next(3))" : "c-\(random.next(12))"
                if random.next(4) == 0 {
                    purchases += 1
                    let order = "o-\(batch)-\(index)"
                    let named = random.next(3) == 0 ? campaign : nil
                    let last = (applied[customer] ?? []).filter {
                        $0.touch.at <= time
                            && time.millisecondsSinceEpoch - $0.touch.at.millisecondsSinceEpoch
                                <= policy.attributionWindowMilliseconds
                    }.max { ($0.touch.at, $0.order) < ($1.touch.at, $1.order) }
                    if let campaignId = named ?? last?.touch.campaignId {
                        expected[order] = campaignId
                    } else {
                        organic.insert(order)
                    }
                    events.append(
                        .customerInteraction(
                            CustomerInteraction(
                                customerId: customer, kind: .purchase, occurredAt: time, campaignId: named,
                                orderId: order, revenue: Currency.euro.money(Int64(1 + random.next(1_000_000))))))
                } else {
                    let kind: InteractionKind = random.next(2) == 0 ? .click : .visit
                    touches += 1
                    applied[customer, default: []].append((Touch(at: time, campaignId: campaign), touches))
                    events.append(
                        .customerInteraction(
                            CustomerInteraction(
                                customerId: customer, kind: kind, occurredAt: time, campaignId: campaign)))
                }
            }
            batch += 1

            var conversions: [ConversionAttributed] = []
            for event in events {
                for case .conversionAttributed(let c) in try analytics.apply(event, to: &state) {
                    conversions.append(c)
                }
            }
            for conversion in conversions {
                try rules.requireCredits(
                    conversion.credits, of: conversion.revenue, lastTouch: conversion.campaignId, "credits")
                for list in conversion.credits.values {
                    #expect(list.allSatisfy { $0.bps > 0 || $0.revenue.amountMinor > 0 })
                }
                #expect(expected[conversion.orderId] == conversion.campaignId)
            }
            attributed += conversions.count
            #expect(conversions.count == expected.count && !conversions.contains { organic.contains($0.orderId) })

            // Replaying the batch credits nothing again and leaves purchases and revenue as they were
            // (clicks and visits count again: the pipeline, not the rules, drops a redelivered event).
            func credited() -> [String] {
                state.allCounters().map { "\($0.campaignId) \($0.purchases) \($0.revenueMinor)" }
            }
            let before = credited()
            let organicTotals = state.organic
            for event in events {
                let again = try analytics.apply(event, to: &state)
                #expect(!again.contains { if case .conversionAttributed = $0 { true } else { false } })
            }
            #expect(credited() == before && state.organic == organicTotals)
        }
        #expect(purchases >= 10_000 && attributed > purchases / 2)
    }
}
