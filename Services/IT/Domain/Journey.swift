import TriadEvents

/// A customer's path for the data-driven model: the campaigns that touched them, in order, and how
/// it ended — in a purchase (conversion) or not (null).
public struct Journey: Sendable, Equatable {
    public var campaigns: [String]
    public var converted: Bool

    public init(_ campaigns: [String], converted: Bool) {
        self.campaigns = campaigns
        self.converted = converted
    }

    /// Campaign ids compare by bytes, as the tables do.
    public static func == (a: Journey, b: Journey) -> Bool {
        a.converted == b.converted && a.campaigns.map(\.utf8Key) == b.campaigns.map(\.utf8Key)
    }
}

/// A purchase as a journey sees it: when, and the campaign it names itself (if any).
public struct JourneyPurchase: Sendable, Equatable {
    public let at: Timestamp
    public let campaignId: String?

    public init(at: Timestamp, campaignId: String?) {
        self.at = at
        self.campaignId = campaignId
    }
}

extension Journey {
    /// One customer's journeys whose end lies in `ending`.
    ///
    /// A purchase ends a journey: its touches (`AttributionRules.touches`: within `window` before
    /// it, the campaign it names as the last, the latest `touchLimit`) of those after the previous
    /// purchase in event time (a touch at a purchase's instant is that purchase's) — a conversion. A
    /// purchase with no touch is organic: it ends a journey that adds nothing. The touches after the
    /// last purchase that lie within `window` before the last of them are a null journey, ending at
    /// that last touch.
    ///
    /// `touches` in time order, touches of one instant in the order IT applied them; purchases of
    /// one instant in the order given.
    public static func journeys(
        touches: [Touch], purchases: [JourneyPurchase], window: Int64, ending: ClosedRange<Timestamp>
    ) -> [Journey] {
        let purchases = purchases.enumerated().sorted { ($0.element.at, $0.offset) < ($1.element.at, $1.offset) }
            .map(\.element)
        func journey(_ path: ArraySlice<Touch>, end: Timestamp, campaignId: String?, converted: Bool) -> Journey? {
            let found = AttributionRules.touches(Array(path), before: end, window: window, campaignId: campaignId)
            return found.isEmpty ? nil : Journey(found.map(\.campaignId), converted: converted)
        }
        var found: [Journey] = []
        var next = touches.startIndex
        for purchase in purchases {
            let start = next
            while next < touches.endIndex, touches[next].at <= purchase.at { next += 1 }
            guard ending.contains(purchase.at),
                let journey = journey(
                    touches[start..<next], end: purchase.at, campaignId: purchase.campaignId, converted: true)
            else { continue }
            found.append(journey)
        }
        if let end = touches.last?.at, next < touches.endIndex, ending.contains(end),
            let journey = journey(touches[next...], end: end, campaignId: nil, converted: false)
        {
            found.append(journey)
        }
        return found
    }
}
