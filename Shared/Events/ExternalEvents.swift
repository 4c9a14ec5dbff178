// MARK: Events other systems publish: ads.spend (keyed by campaignId), customer.interactions (keyed by customerId)

/// An ad platform's report of money spent on a campaign.
public struct AdSpendReported: EventPayload {
    public static let eventType = EventType.adSpendReported
    public var campaignId: String
    public var amount: Money
    public var occurredAt: Timestamp?
    public var platform: String?

    public init(campaignId: String, amount: Money, occurredAt: Timestamp? = nil, platform: String? = nil) {
        self.campaignId = campaignId
        self.amount = amount
        self.occurredAt = occurredAt
        self.platform = platform
    }

    public var subject: String { campaignId }

    public func validate(_ rules: ValidationRules) throws(EventRejection) {
        try rules.requireIdentifier(campaignId, "campaignId")
        try rules.requireMoney(amount, "amount")
    }
}

public enum InteractionKind: String, Codable, Sendable, CaseIterable {
    case impression, click, visit, signup, purchase, unsubscribe
}

/// One thing a customer did, as the shop, CRM or ad server saw it.
public struct CustomerInteraction: EventPayload {
    public static let eventType = EventType.customerInteraction
    public var customerId: String
    public var kind: InteractionKind
    public var occurredAt: Timestamp
    public var campaignId: String?
    public var channel: Channel?
    /// The customer's segment, where the CRM knows it.
    public var segment: String?
    /// Required for purchases.
    public var orderId: String?
    /// Required for purchases.
    public var revenue: Money?

    public init(
        customerId: String, kind: InteractionKind, occurredAt: Timestamp, campaignId: String? = nil,
        channel: Channel? = nil, segment: String? = nil, orderId: String? = nil, revenue: Money? = nil
    ) {
        self.customerId = customerId
        self.kind = kind
        self.occurredAt = occurredAt
        self.campaignId = campaignId
        self.channel = channel
        self.segment = segment
        self.orderId = orderId
        self.revenue = revenue
    }

    public var subject: String { customerId }

    public func validate(_ rules: ValidationRules) throws(EventRejection) {
        try rules.requireIdentifier(customerId, "customerId")
        if let campaignId { try rules.requireIdentifier(campaignId, "campaignId") }
        if let segment { try rules.requireIdentifier(segment, "segment") }
        // A purchase's orderId is an identifier; other kinds' orderId is not read, so not checked.
        if let orderId = try rules.require(orderId, "orderId", when: "kind", is: InteractionKind.purchase, given: kind)
        {
            try rules.requireIdentifier(orderId, "orderId")
        }
        _ = try rules.require(revenue, "revenue", when: "kind", is: InteractionKind.purchase, given: kind)
        if let revenue { try rules.requireMoney(revenue, "revenue") }
    }
}
