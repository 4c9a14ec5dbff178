import TriadEvents

/// What IT knows about one customer.
public struct CustomerRecord: Sendable, Equatable, Codable {
    /// A click or visit that carried a campaign id.
    public struct Touch: Sendable, Equatable, Codable {
        public let at: Timestamp
        public let campaignId: String
    }

    public static let unassignedSegment = "unassigned"

    public let customerId: String
    /// The latest segment the CRM reported, else `unassigned`.
    public var segment: String = CustomerRecord.unassignedSegment
    /// Newest `occurredAt` of an interaction that shows the customer active (anything but an
    /// impression, which the customer did not do, or an unsubscribe).
    public var lastActivityAt: Timestamp?
    public var purchases: Int64 = 0
    /// True from a churn-risk detection until the customer is active again (one episode).
    public var atRisk = false
    /// Touches ordered by time.
    public var touches: [Touch] = []

    public init(customerId: String) { self.customerId = customerId }

    /// Inserts a touch keeping time order (touches can arrive out of order).
    mutating func addTouch(_ touch: Touch) {
        let index = touches.lastIndex { $0.at <= touch.at }.map { $0 + 1 } ?? 0
        touches.insert(touch, at: index)
    }

    /// The latest touch at or before `time` and no more than `window` before it.
    func lastTouch(atOrBefore time: Timestamp, window: Int64) -> Touch? {
        guard let touch = touches.last(where: { $0.at <= time }) else { return nil }
        return time.millisecondsSinceEpoch - touch.at.millisecondsSinceEpoch <= window ? touch : nil
    }
}

/// Per-campaign counters of the interactions that carried its id, plus attributed purchases.
public struct CampaignCounters: Sendable, Equatable, Codable {
    public let campaignId: String
    public var impressions: Int64 = 0
    public var clicks: Int64 = 0
    public var visits: Int64 = 0
    public var signups: Int64 = 0
    public var purchases: Int64 = 0
    public var revenueMinor: Int64 = 0

    public init(campaignId: String) { self.campaignId = campaignId }

    public func report(currency: String) -> CampaignPerformanceReported {
        CampaignPerformanceReported(
            campaignId: campaignId, impressions: impressions, clicks: clicks, visits: visits, signups: signups,
            purchases: purchases, revenue: Money(amountMinor: revenueMinor, currency: currency))
    }
}

/// Purchases that no campaign earned.
public struct OrganicTotals: Sendable, Equatable, Codable {
    public var purchases: Int64 = 0
    public var revenueMinor: Int64 = 0
    public init() {}
}
