import TriadEvents

/// What IT knows about one customer.
public struct CustomerRecord: Sendable, Equatable, Codable {
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
    /// Why the open episode began: nil while none is open (and for episodes stored before reasons were kept).
    public var riskReason: ChurnRiskReason?
    /// The partition the customer's latest interaction came from: its inactivity is measured on
    /// that partition's event clock.
    public var partition: Int32 = 0

    public init(customerId: String) { self.customerId = customerId }

    public init(
        customerId: String, segment: String, lastActivityAt: Timestamp?, purchases: Int64, atRisk: Bool,
        riskReason: ChurnRiskReason? = nil, partition: Int32
    ) {
        self.customerId = customerId
        self.segment = segment
        self.lastActivityAt = lastActivityAt
        self.purchases = purchases
        self.atRisk = atRisk
        self.riskReason = atRisk ? riskReason : nil
        self.partition = partition
    }

    /// When the customer becomes due for the inactivity check: a buyer not at risk now, from its
    /// last activity on; nil for everyone else.
    public var dueSince: Timestamp? { purchases > 0 && !atRisk ? lastActivityAt : nil }

    /// Text compares by bytes, as the tables do: a segment respelled in another Unicode form is a change.
    public static func == (a: CustomerRecord, b: CustomerRecord) -> Bool {
        a.customerId.utf8Key == b.customerId.utf8Key && a.segment.utf8Key == b.segment.utf8Key
            && a.lastActivityAt == b.lastActivityAt && a.purchases == b.purchases && a.atRisk == b.atRisk
            && a.riskReason == b.riskReason && a.partition == b.partition
    }
}

/// A click or visit that carried a campaign id.
public struct Touch: Sendable, Equatable, Codable {
    public let at: Timestamp
    public let campaignId: String

    public init(at: Timestamp, campaignId: String) {
        self.at = at
        self.campaignId = campaignId
    }

    public static func == (a: Touch, b: Touch) -> Bool { a.at == b.at && a.campaignId.utf8Key == b.campaignId.utf8Key }
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

    public init(
        campaignId: String, impressions: Int64, clicks: Int64, visits: Int64, signups: Int64, purchases: Int64,
        revenueMinor: Int64
    ) {
        self.campaignId = campaignId
        self.impressions = impressions
        self.clicks = clicks
        self.visits = visits
        self.signups = signups
        self.purchases = purchases
        self.revenueMinor = revenueMinor
    }

    public func report(currency: String) -> CampaignPerformanceReported {
        CampaignPerformanceReported(
            campaignId: campaignId, impressions: impressions, clicks: clicks, visits: visits, signups: signups,
            purchases: purchases, revenue: MoneyTotal(amountMinor: revenueMinor, currency: currency))
    }

    /// The sum of two sets of counters of the same campaign.
    public static func + (a: CampaignCounters, b: CampaignCounters) -> CampaignCounters {
        CampaignCounters(
            campaignId: a.campaignId, impressions: a.impressions + b.impressions, clicks: a.clicks + b.clicks,
            visits: a.visits + b.visits, signups: a.signups + b.signups, purchases: a.purchases + b.purchases,
            revenueMinor: a.revenueMinor + b.revenueMinor)
    }
}

/// Purchases that no campaign earned.
public struct OrganicTotals: Sendable, Equatable, Codable {
    public var purchases: Int64 = 0
    public var revenueMinor: Int64 = 0
    public init() {}
    public init(purchases: Int64, revenueMinor: Int64) {
        self.purchases = purchases
        self.revenueMinor = revenueMinor
    }
}

/// An order IT saw for the first time, and where it went: last touch's campaign, and the credits.
public struct RecordedOrder: Sendable, Equatable {
    public let orderId: String
    public let customerId: String
    /// nil when organic.
    public let campaignId: String?
    public let revenueMinor: Int64
    public let occurredAt: Timestamp
    /// Its credits under every rule-based model (`AttributionRules`); none when organic.
    public let credits: CreditsByModel
    /// The campaign the purchase named itself, if any: its journey's last touch (`Journey`).
    public let namedCampaignId: String?

    public init(
        orderId: String, customerId: String, campaignId: String?, revenueMinor: Int64, occurredAt: Timestamp,
        credits: CreditsByModel = [:], namedCampaignId: String? = nil
    ) {
        self.orderId = orderId
        self.customerId = customerId
        self.campaignId = campaignId
        self.revenueMinor = revenueMinor
        self.occurredAt = occurredAt
        self.credits = credits
        self.namedCampaignId = namedCampaignId
    }
}
