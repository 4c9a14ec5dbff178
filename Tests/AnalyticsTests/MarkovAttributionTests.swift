import Analytics
import Testing
import TriadEvents

/// The data-driven model: removal effects of a chain solved by hand, and journeys built from touches
/// and purchases.
@Suite struct MarkovAttributionTests {
    /// Journeys: a b a → conversion; a c → null; b c → conversion; c → null.
    ///
    /// Transitions: start → a 2/4, → b 1/4, → c 1/4; a → b 1/3, → c 1/3, → conversion 1/3;
    /// b → a 1/2, → c 1/2; c → conversion 1/3, → null 2/3.
    /// With every state: x_c = 1/3, x_b = x_a/2 + 1/6, x_a = x_b/3 + 1/3 + 1/9, so x_a = 3/5,
    /// x_b = 7/15 and P = (2 · 3/5 + 7/15 + 1/3) / 4 = 1/2.
    /// Without a: x_c = 1/3, x_b = 1/6, P = (1/6 + 1/3) / 4 = 1/8, RE_a = 1 − (1/8)/(1/2) = 3/4.
    /// Without b: x_c = 1/3, x_a = 1/3 + 1/9 = 4/9, P = (8/9 + 1/3) / 4 = 11/36, RE_b = 1 − 22/36 = 7/18.
    /// Without c: x_a = x_b/3 + 1/3, x_b = x_a/2, so x_a = 2/5, x_b = 1/5, P = 1/4, RE_c = 1/2.
    /// ΣRE = 27/36 + 14/36 + 18/36 = 59/36: shares 27/59, 14/59, 18/59 of 10,000 bps =
    /// 4576.27…, 2372.88…, 3050.84…; floors sum to 9998, the 2 left go to b and c.
    @Test func threeCampaignChainSolvedByHand() {
        let model = MarkovAttribution([
            Journey(["a", "b", "a"], converted: true), Journey(["a", "c"], converted: false),
            Journey(["b", "c"], converted: true), Journey(["c"], converted: false),
        ])
        #expect(model.journeys == 4)
        #expect(model.conversions == 2)
        #expect(abs(model.conversionProbability - 1.0 / 2) < 1e-12)
        let effects = model.removalEffects
        #expect(effects.map(\.campaignId) == ["a", "b", "c"])
        for (effect, expected) in zip(effects.map(\.effect), [3.0 / 4, 7.0 / 18, 1.0 / 2]) {
            #expect(abs(effect - expected) < 1e-12)
        }
        #expect(
            model.shares == [
                CampaignShare(campaignId: "a", bps: 4576), CampaignShare(campaignId: "b", bps: 2373),
                CampaignShare(campaignId: "c", bps: 3051),
            ])
    }

    /// Counts taken a journey at a time, in another order (campaigns first seen c, b, a), give the
    /// same chain: the same effects to the last bit and the same shares.
    @Test func transitionsTakenInAnyOrderGiveTheSameChain() {
        let journeys = [
            Journey(["a", "b", "a"], converted: true), Journey(["a", "c"], converted: false),
            Journey(["b", "c"], converted: true), Journey(["c"], converted: false),
        ]
        var transitions = MarkovAttribution.Transitions()
        for journey in journeys.reversed() { transitions.add(journey) }
        let paged = MarkovAttribution(transitions)
        let whole = MarkovAttribution(journeys)
        #expect(paged.journeys == 4 && paged.conversions == 2)
        #expect(paged.removalEffects.map(\.campaignId) == whole.removalEffects.map(\.campaignId))
        #expect(paged.removalEffects.map(\.effect) == whole.removalEffects.map(\.effect))
        #expect(paged.conversionProbability == whole.conversionProbability && paged.shares == whole.shares)
    }

    /// d is only ever seen on the way to null: removing it changes nothing, so it has no share.
    /// P = 1/2 with or without d (start → a 1, a → conversion 1/2, a → d 1/2, d → null 1); without a, 0.
    @Test func removalThatChangesNothing() {
        let model = MarkovAttribution([Journey(["a"], converted: true), Journey(["a", "d", "d"], converted: false)])
        #expect(model.removalEffects.map(\.effect) == [1, 0])
        #expect(model.shares == [CampaignShare(campaignId: "a", bps: 10_000)])
    }

    /// Self-loops: repeated touches of one campaign stay on it. a a → conversion, b → conversion,
    /// b → null: P = 1/3 + 1/3 = 2/3; without a 1/3 (RE 1/2), without b 1/3 (RE 1/2).
    @Test func repeatedTouchesAreASelfLoop() {
        let model = MarkovAttribution([
            Journey(["a", "a"], converted: true), Journey(["b"], converted: true), Journey(["b"], converted: false),
        ])
        #expect(model.shares == [CampaignShare(campaignId: "a", bps: 5000), CampaignShare(campaignId: "b", bps: 5000)])
    }

    @Test func noConversionNoShares() {
        let model = MarkovAttribution([Journey(["a", "b"], converted: false)])
        #expect(model.conversionProbability == 0)
        #expect(model.removalEffects.map(\.effect) == [0, 0])
        #expect(model.shares.isEmpty)
        #expect(MarkovAttribution([]).shares.isEmpty)
    }

    // MARK: Journeys

    static let window: Int64 = 1000
    static let all = Timestamp(millisecondsSinceEpoch: 0)...Timestamp(millisecondsSinceEpoch: 1_000_000)

    func touch(_ at: Int64, _ campaign: String) -> Touch {
        Touch(at: Timestamp(millisecondsSinceEpoch: at), campaignId: campaign)
    }

    func purchase(_ at: Int64, _ campaign: String? = nil) -> JourneyPurchase {
        JourneyPurchase(at: Timestamp(millisecondsSinceEpoch: at), campaignId: campaign)
    }

    func journeys(_ touches: [Touch], _ purchases: [JourneyPurchase], ending: ClosedRange<Timestamp> = all)
        -> [Journey]
    {
        Journey.journeys(touches: touches, purchases: purchases, window: Self.window, ending: ending)
    }

    /// A purchase takes the touches since the previous one (a touch at its instant included, even
    /// one applied after it); what follows the last purchase is a null journey.
    @Test func purchasesSplitTheTouches() {
        let found = journeys(
            [touch(10, "a"), touch(20, "b"), touch(20, "c"), touch(30, "a"), touch(40, "b")],
            [purchase(20), purchase(35, "p")])
        #expect(
            found == [
                Journey(["a", "b", "c"], converted: true), Journey(["a", "p"], converted: true),
                Journey(["b"], converted: false),
            ])
    }

    /// A touch exactly one window before the journey's end counts, one just outside does not; for
    /// a null journey the end is its last touch.
    @Test func oneWindowBeforeTheEnd() {
        let converted = journeys([touch(99, "x"), touch(100, "a"), touch(600, "b")], [purchase(1100)])
        #expect(converted == [Journey(["a", "b"], converted: true)])
        let null = journeys([touch(99, "x"), touch(100, "a"), touch(1100, "b")], [])
        #expect(null == [Journey(["a", "b"], converted: false)])
    }

    /// An organic purchase (no touch, no campaign of its own) ends a journey that adds nothing; a
    /// purchase naming a campaign with no touch is a journey of that one campaign.
    @Test func organicAndOwnCampaignOnly() {
        #expect(journeys([touch(10, "a")], [purchase(5000), purchase(6000, "p")]) == [Journey(["p"], converted: true)])
        #expect(journeys([], [purchase(5)]).isEmpty)
    }

    /// Purchases at one instant: the first takes the touches, the second has only its own campaign.
    @Test func purchasesAtOneInstant() {
        let found = journeys([touch(10, "a")], [purchase(20, "p"), purchase(20, "q"), purchase(20)])
        #expect(found == [Journey(["a", "p"], converted: true), Journey(["q"], converted: true)])
    }

    /// Of 300 touches and the purchase's own campaign, the latest 256 count.
    @Test func theLatestTouchesCount() {
        let touches = (0..<300).map { touch(Int64($0), "c\($0)") }
        let found = journeys(touches, [purchase(400, "p")])
        #expect(found.count == 1)
        #expect(found[0].campaigns.count == 256)
        #expect(found[0].campaigns.first == "c45")
        #expect(found[0].campaigns.last == "p")
    }

    /// Only journeys whose end lies in the window count: the purchase's time, or the last touch's.
    @Test func countedByTheirEnd() {
        let window = Timestamp(millisecondsSinceEpoch: 100)...Timestamp(millisecondsSinceEpoch: 200)
        let touches = [touch(50, "a"), touch(90, "b"), touch(150, "c"), touch(250, "d")]
        #expect(journeys(touches, [purchase(95), purchase(200)], ending: window) == [Journey(["c"], converted: true)])
        #expect(journeys(touches, [purchase(95)], ending: window).isEmpty)
        #expect(
            journeys(Array(touches.prefix(3)), [purchase(95)], ending: window) == [Journey(["c"], converted: false)])
    }
}
