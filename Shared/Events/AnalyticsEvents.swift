// MARK: it.attributions (keyed by campaignId) and it.insights (keyed by campaignId or customerId) — produced by IT

public struct ConversionAttributed: EventPayload {
    public static let eventType = EventType.conversionAttributed
    public var campaignId: String
    public var orderId: String
    public var customerId: String
    public var revenue: Money
    public var occurredAt: Timestamp

    public init(campaignId: String, orderId: String, customerId: String, revenue: Money, occurredAt: Timestamp) {
        self.campaignId = campaignId
        self.orderId = orderId
        self.customerId = customerId
        self.revenue = revenue
        self.occurredAt = occurredAt
    }

    public var subject: String { campaignId }

    public func validate(_ rules: ValidationRules) throws(EventRejection) {
        try rules.requireIdentifier(campaignId, "campaignId")
        try rules.requireIdentifier(orderId, "orderId")
        try rules.requireIdentifier(customerId, "customerId")
        try rules.requireMoney(revenue, "revenue")
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
