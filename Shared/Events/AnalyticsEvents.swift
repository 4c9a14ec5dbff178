// MARK: it.attributions (keyed by campaignId) and it.insights (keyed by campaignId or customerId) — produced by IT

public struct ConversionAttributed: EventPayload {
    public static let eventType = EventType.conversionAttributed
    /// The campaign last touch credits (version 1's only campaign).
    public var campaignId: String
    public var orderId: String
    public var customerId: String
    public var revenue: Money
    public var occurredAt: Timestamp
    /// The order's credits under every rule-based model (version 2). A version-1 event is read with
    /// every model crediting `campaignId` wholly (`upcast(fromVersion:)`).
    public var credits: CreditsByModel

    public init(
        campaignId: String, orderId: String, customerId: String, revenue: Money, occurredAt: Timestamp,
        credits: CreditsByModel
    ) {
        self.campaignId = campaignId
        self.orderId = orderId
        self.customerId = customerId
        self.revenue = revenue
        self.occurredAt = occurredAt
        self.credits = credits
    }

    /// A version-1 conversion: every model credits its one campaign wholly.
    public init(campaignId: String, orderId: String, customerId: String, revenue: Money, occurredAt: Timestamp) {
        self.init(
            campaignId: campaignId, orderId: orderId, customerId: customerId, revenue: revenue, occurredAt: occurredAt,
            credits: Self.whole(campaignId, revenue))
    }

    /// Every model crediting one campaign with the whole order.
    public static func whole(_ campaignId: String, _ revenue: Money) -> CreditsByModel {
        Dictionary(
            uniqueKeysWithValues: AttributionModel.allCases.map {
                ($0, [CampaignCredit(campaignId: campaignId, bps: 10_000, revenue: revenue)])
            })
    }

    private enum CodingKeys: String, CodingKey {
        case campaignId, orderId, customerId, revenue, occurredAt, credits
    }

    /// `credits` may be absent here (a version-1 payload); `validate` requires it once upcast.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        campaignId = try container.decode(String.self, forKey: .campaignId)
        orderId = try container.decode(String.self, forKey: .orderId)
        customerId = try container.decode(String.self, forKey: .customerId)
        revenue = try container.decode(Money.self, forKey: .revenue)
        occurredAt = try container.decode(Timestamp.self, forKey: .occurredAt)
        credits = try container.decodeIfPresent(CreditsByModel.self, forKey: .credits) ?? [:]
    }

    /// The payload as the current version reads it, from a payload of `version`.
    public func upcast(fromVersion version: Int) -> ConversionAttributed {
        guard version < 2 else { return self }
        var upcast = self
        upcast.credits = Self.whole(campaignId, revenue)
        return upcast
    }

    public var subject: String { campaignId }

    public func validate(_ rules: ValidationRules) throws(EventRejection) {
        try rules.requireIdentifier(campaignId, "campaignId")
        try rules.requireIdentifier(orderId, "orderId")
        try rules.requireIdentifier(customerId, "customerId")
        try rules.requireMoney(revenue, "revenue")
        try rules.requireCredits(credits, of: revenue, lastTouch: campaignId, "credits")
    }
}

/// IT's data-driven reading of the attribution window: each campaign's share of credit by its
/// removal effect in a first-order Markov chain over the window's journeys, with each rule-based
/// model's share of the same window's orders beside it.
public struct AttributionMarkovComputed: EventPayload {
    public static let eventType = EventType.attributionMarkovComputed
    /// The one subject (and Kafka key) of these events.
    public static let key = "attribution.markov"
    /// The reference time T: the newest event time across IT's partitions when computed.
    public var computedAt: Timestamp
    /// The window: one attribution window before `to` (= `computedAt`), through `to`.
    public var from: Timestamp
    public var to: Timestamp
    public var journeys: Int64
    public var conversions: Int64
    /// Removal-effect shares, sorted by campaign id; empty when every removal effect is 0.
    public var shares: [CampaignShare]
    /// Each rule-based model's share of the window's attributed revenue, sorted by campaign id.
    public var ruleShares: [AttributionModel: [CampaignShare]]

    public init(
        computedAt: Timestamp, from: Timestamp, to: Timestamp, journeys: Int64, conversions: Int64,
        shares: [CampaignShare], ruleShares: [AttributionModel: [CampaignShare]]
    ) {
        self.computedAt = computedAt
        self.from = from
        self.to = to
        self.journeys = journeys
        self.conversions = conversions
        self.shares = shares
        self.ruleShares = ruleShares
    }

    public var subject: String { Self.key }

    public func validate(_ rules: ValidationRules) throws(EventRejection) {
        try rules.requireNonNegative(journeys, "journeys")
        try rules.requireNonNegative(conversions, "conversions")
        try Self.validate(shares, "shares", rules)
        for (model, list) in ruleShares.sorted(by: { $0.key < $1.key }) {
            try Self.validate(list, "ruleShares.\(model.rawValue)", rules)
        }
    }

    /// Each share names a campaign and holds 0 to 10,000 bps.
    private static func validate(_ shares: [CampaignShare], _ field: String, _ rules: ValidationRules)
        throws(EventRejection)
    {
        for (index, share) in shares.enumerated() {
            try rules.requireIdentifier(share.campaignId, "\(field)[\(index)].campaignId")
            try rules.requireAtLeast(share.bps, 0, "\(field)[\(index)].bps")
            try rules.requireAtMost(share.bps, 10_000, "\(field)[\(index)].bps")
        }
    }
}

/// Counters of what a campaign produced, as IT sees it.
public struct CampaignPerformanceReported: EventPayload {
    public static let eventType = EventType.campaignPerformanceReported
    public var campaignId: String
    public var impressions: Int64
    public var clicks: Int64
    public var visits: Int64
    public var signups: Int64
    public var purchases: Int64
    /// Attributed revenue so far: a total, which may pass one amount's limit.
    public var revenue: MoneyTotal

    public init(
        campaignId: String, impressions: Int64, clicks: Int64, visits: Int64, signups: Int64, purchases: Int64,
        revenue: MoneyTotal
    ) {
        self.campaignId = campaignId
        self.impressions = impressions
        self.clicks = clicks
        self.visits = visits
        self.signups = signups
        self.purchases = purchases
        self.revenue = revenue
    }

    public var subject: String { campaignId }

    public func validate(_ rules: ValidationRules) throws(EventRejection) {
        try rules.requireIdentifier(campaignId, "campaignId")
        for (value, field) in [
            (impressions, "impressions"), (clicks, "clicks"), (visits, "visits"), (signups, "signups"),
            (purchases, "purchases"),
        ] {
            try rules.requireNonNegative(value, field)
        }
        try rules.requireTotal(revenue, "revenue")
    }
}

public enum ChurnRiskReason: String, Codable, Sendable, CaseIterable {
    case unsubscribed
    case inactive
}

public struct ChurnRiskDetected: EventPayload {
    public static let eventType = EventType.churnRiskDetected
    public var customerId: String
    public var segment: String
    public var reason: ChurnRiskReason
    public var lastActivityAt: Timestamp?
    /// In event time: the newest `occurredAt` IT had seen when it noticed.
    public var detectedAt: Timestamp

    public init(
        customerId: String, segment: String, reason: ChurnRiskReason, lastActivityAt: Timestamp?, detectedAt: Timestamp
    ) {
        self.customerId = customerId
        self.segment = segment
        self.reason = reason
        self.lastActivityAt = lastActivityAt
        self.detectedAt = detectedAt
    }

    public var subject: String { customerId }

    public func validate(_ rules: ValidationRules) throws(EventRejection) {
        try rules.requireIdentifier(customerId, "customerId")
        try rules.requireIdentifier(segment, "segment")
    }
}

/// A churn-risk episode ended: the customer was active again (a click, visit, signup or purchase
/// newer than the activity before the episode). Impressions and unsubscribes never end one.
public struct ChurnRiskCleared: EventPayload {
    public static let eventType = EventType.churnRiskCleared
    public var customerId: String
    /// The customer's segment when the episode ended.
    public var segment: String
    /// What the customer did.
    public var activity: InteractionKind
    /// In event time: the `occurredAt` of that activity.
    public var clearedAt: Timestamp

    public init(customerId: String, segment: String, activity: InteractionKind, clearedAt: Timestamp) {
        self.customerId = customerId
        self.segment = segment
        self.activity = activity
        self.clearedAt = clearedAt
    }

    public var subject: String { customerId }

    public func validate(_ rules: ValidationRules) throws(EventRejection) {
        try rules.requireIdentifier(customerId, "customerId")
        try rules.requireIdentifier(segment, "segment")
        try rules.requireOneOf(
            activity, [.click, .visit, .signup, .purchase], "activity",
            "\(activity.rawValue) does not end a churn-risk episode")
    }
}

/// The CRM moved a customer who is at churn risk to another segment: the count at risk moves with it.
public struct ChurnRiskSegmentChanged: EventPayload {
    public static let eventType = EventType.churnRiskSegmentChanged
    public var customerId: String
    public var previousSegment: String
    public var segment: String
    /// In event time: the `occurredAt` of the interaction that carried the new segment.
    public var changedAt: Timestamp

    public init(customerId: String, previousSegment: String, segment: String, changedAt: Timestamp) {
        self.customerId = customerId
        self.previousSegment = previousSegment
        self.segment = segment
        self.changedAt = changedAt
    }

    public var subject: String { customerId }

    public func validate(_ rules: ValidationRules) throws(EventRejection) {
        try rules.requireIdentifier(customerId, "customerId")
        try rules.requireIdentifier(previousSegment, "previousSegment")
        try rules.requireIdentifier(segment, "segment")
    }
}

/// A customer's first purchase IT ever saw: one event per customer, keyed by customer.
public struct CustomerAcquired: EventPayload {
    public static let eventType = EventType.customerAcquired
    public var customerId: String
    /// The first order.
    public var orderId: String
    /// The campaign last touch attributed the first order to; nil when it was organic.
    public var campaignId: String?
    /// The purchase's time.
    public var occurredAt: Timestamp

    public init(customerId: String, orderId: String, campaignId: String?, occurredAt: Timestamp) {
        self.customerId = customerId
        self.orderId = orderId
        self.campaignId = campaignId
        self.occurredAt = occurredAt
    }

    public var subject: String { customerId }

    public func validate(_ rules: ValidationRules) throws(EventRejection) {
        try rules.requireIdentifier(customerId, "customerId")
        try rules.requireIdentifier(orderId, "orderId")
        if let campaignId { try rules.requireIdentifier(campaignId, "campaignId") }
    }
}
