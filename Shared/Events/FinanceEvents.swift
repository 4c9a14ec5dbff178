// MARK: finance.budget-decisions and finance.roi — produced by finance, keyed by campaignId

public struct BudgetApproved: EventPayload {
    public static let eventType = EventType.budgetApproved
    public var campaignId: String
    public var approvedBudget: Money
    /// The calendar quarter (UTC) of the campaign's start, whose envelope the approval is reserved from.
    public var quarter: Quarter

    public init(campaignId: String, approvedBudget: Money, quarter: Quarter) {
        self.campaignId = campaignId
        self.approvedBudget = approvedBudget
        self.quarter = quarter
    }

    public var subject: String { campaignId }

    public func validate(_ rules: ValidationRules) throws(EventRejection) {
        try rules.requireIdentifier(campaignId, "campaignId")
        try rules.requireMoney(approvedBudget, "approvedBudget")
    }
}

public enum BudgetRejectionReason: String, Codable, Sendable, CaseIterable {
    case targetRoiBelowHurdle = "target-roi-below-hurdle"
    case insufficientEnvelope = "insufficient-envelope"
}

public struct BudgetRejected: EventPayload {
    public static let eventType = EventType.budgetRejected
    public var campaignId: String
    public var reason: BudgetRejectionReason
    public var requestedBudget: Money
    public var quarter: Quarter

    public init(campaignId: String, reason: BudgetRejectionReason, requestedBudget: Money, quarter: Quarter) {
        self.campaignId = campaignId
        self.reason = reason
        self.requestedBudget = requestedBudget
        self.quarter = quarter
    }

    public var subject: String { campaignId }

    public func validate(_ rules: ValidationRules) throws(EventRejection) {
        try rules.requireIdentifier(campaignId, "campaignId")
        try rules.requireMoney(requestedBudget, "requestedBudget")
    }
}

public struct BudgetExceeded: EventPayload {
    public static let eventType = EventType.budgetExceeded
    public var campaignId: String
    public var approvedBudget: Money
    public var spend: Money

    public init(campaignId: String, approvedBudget: Money, spend: Money) {
        self.campaignId = campaignId
        self.approvedBudget = approvedBudget
        self.spend = spend
    }

    public var subject: String { campaignId }

    public func validate(_ rules: ValidationRules) throws(EventRejection) {
        try rules.requireIdentifier(campaignId, "campaignId")
        try rules.requireMoney(approvedBudget, "approvedBudget")
        try rules.requireMoney(spend, "spend")
    }
}

public struct RoiReported: EventPayload {
    public static let eventType = EventType.roiReported
    public var campaignId: String
    public var spend: Money
    public var revenue: Money
    public var conversions: Int64
    /// Absent while spend is 0.
    public var roiBps: Int64?
    /// Absent while spend is 0.
    public var roasBps: Int64?
    /// Absent while there are no conversions.
    public var cacMinor: Int64?

    public init(campaignId: String, spend: Money, revenue: Money, conversions: Int64) {
        self.campaignId = campaignId
        self.spend = spend
        self.revenue = revenue
        self.conversions = conversions
        self.roiBps = Ratios.roiBps(revenueMinor: revenue.amountMinor, spendMinor: spend.amountMinor)
        self.roasBps = Ratios.roasBps(revenueMinor: revenue.amountMinor, spendMinor: spend.amountMinor)
        self.cacMinor = Ratios.cacMinor(spendMinor: spend.amountMinor, conversions: conversions)
    }

    public var subject: String { campaignId }

    public func validate(_ rules: ValidationRules) throws(EventRejection) {
        try rules.requireIdentifier(campaignId, "campaignId")
        try rules.requireMoney(spend, "spend")
        try rules.requireMoney(revenue, "revenue")
        try rules.requireNonNegative(conversions, "conversions")
    }
}
