// MARK: marketing.campaigns — produced by marketing, keyed by campaignId

/// The advertising channel a campaign runs on.
public enum Channel: String, Codable, Sendable, CaseIterable {
    case search, social, display, email, video, affiliate, other
}

public struct CampaignPlanned: EventPayload {
    public static let eventType = EventType.campaignPlanned
    public var campaignId: String
    public var name: String
    public var channel: Channel
    public var segment: String
    public var requestedBudget: Money
    public var startDate: CalendarDate
    public var endDate: CalendarDate
    public var targetRoiBps: Int64

    public init(
        campaignId: String, name: String, channel: Channel, segment: String, requestedBudget: Money,
        startDate: CalendarDate, endDate: CalendarDate, targetRoiBps: Int64
    ) {
        self.campaignId = campaignId
        self.name = name
        self.channel = channel
        self.segment = segment
        self.requestedBudget = requestedBudget
        self.startDate = startDate
        self.endDate = endDate
        self.targetRoiBps = targetRoiBps
    }

    public var subject: String { campaignId }

    public func validate(_ rules: ValidationRules) throws(EventRejection) {
        try rules.requireIdentifier(campaignId, "campaignId")
        try rules.requireIdentifier(name, "name")
        try rules.requireIdentifier(segment, "segment")
        try rules.requireMoney(requestedBudget, "requestedBudget", positive: true)
        guard endDate >= startDate else {
            throw EventRejection(.invalidData, field: "endDate", "must not be before startDate \(startDate)")
        }
    }
}

public struct CampaignLaunched: EventPayload {
    public static let eventType = EventType.campaignLaunched
    public var campaignId: String
    public init(campaignId: String) { self.campaignId = campaignId }
    public var subject: String { campaignId }
    public func validate(_ rules: ValidationRules) throws(EventRejection) {
        try rules.requireIdentifier(campaignId, "campaignId")
    }
}

public struct CampaignPaused: EventPayload {
    public static let eventType = EventType.campaignPaused
    /// Why marketing paused: `manual`, or `budget-exceeded` when finance reported the budget exceeded.
    public var campaignId: String
    public var reason: String
    public init(campaignId: String, reason: String) {
        self.campaignId = campaignId
        self.reason = reason
    }
    public var subject: String { campaignId }
    public func validate(_ rules: ValidationRules) throws(EventRejection) {
        try rules.requireIdentifier(campaignId, "campaignId")
        try rules.requireIdentifier(reason, "reason")
    }
}

public struct CampaignResumed: EventPayload {
    public static let eventType = EventType.campaignResumed
    public var campaignId: String
    public init(campaignId: String) { self.campaignId = campaignId }
    public var subject: String { campaignId }
    public func validate(_ rules: ValidationRules) throws(EventRejection) {
        try rules.requireIdentifier(campaignId, "campaignId")
    }
}

public struct CampaignCompleted: EventPayload {
    public static let eventType = EventType.campaignCompleted
    public var campaignId: String
    public init(campaignId: String) { self.campaignId = campaignId }
    public var subject: String { campaignId }
    public func validate(_ rules: ValidationRules) throws(EventRejection) {
        try rules.requireIdentifier(campaignId, "campaignId")
    }
}
