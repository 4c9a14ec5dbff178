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
    /// The campaign's spend so far: a total, which may pass one amount's limit.
    public var spend: MoneyTotal

    public init(campaignId: String, approvedBudget: Money, spend: MoneyTotal) {
        self.campaignId = campaignId
        self.approvedBudget = approvedBudget
        self.spend = spend
    }

    public var subject: String { campaignId }

    public func validate(_ rules: ValidationRules) throws(EventRejection) {
        try rules.requireIdentifier(campaignId, "campaignId")
        try rules.requireMoney(approvedBudget, "approvedBudget")
        try rules.requireTotal(spend, "spend")
    }
}

/// A quarter's envelope after finance changed what is reserved from it (an approval reserves, a
/// completion gives the unspent rest back). Keyed by quarter; `revision` grows by one with every
/// change of that quarter, so a reader keeps the highest it saw whatever order copies arrive in.
///
/// Highest-wins needs a bound, or one forged event with revision 2^63−1 would pin the envelope for
/// good: a revision is at most `maximumRevision`, and a reader takes one at most
/// `maximumRevisionStep` past the revision it holds (0 for a quarter it has not seen). Finance's
/// events for a quarter share one key, so they arrive in order, each one past the one before.
public struct EnvelopeChanged: EventPayload {
    public static let eventType = EventType.envelopeChanged
    public var quarter: Quarter
    /// The quarter's whole envelope (finance's configuration when it changed).
    public var envelope: Money
    /// Held by approved campaigns now: approvals less what completions gave back.
    public var reserved: MoneyTotal
    /// Given back by completed campaigns so far (a total: it can pass the envelope over time).
    public var released: MoneyTotal
    public var revision: Int64

    public init(quarter: Quarter, envelope: Money, reserved: MoneyTotal, released: MoneyTotal, revision: Int64) {
        self.quarter = quarter
        self.envelope = envelope
        self.reserved = reserved
        self.released = released
        self.revision = revision
    }

    public var subject: String { quarter.description }

    /// What is left to approve; negative when the envelope was configured below what is reserved.
    public var remainingMinor: Int64 { envelope.amountMinor - reserved.amountMinor }

    public func validate(_ rules: ValidationRules) throws(EventRejection) {
        try rules.requireMoney(envelope, "envelope")
        try rules.requireTotal(reserved, "reserved")
        try rules.requireTotal(released, "released")
        try rules.requireAtLeast(revision, 1, "revision")
        try rules.requireAtMost(revision, Self.maximumRevision, "revision")
    }

    /// One revision per approval or completion of a campaign in the quarter: 2^31−1 of them is
    /// beyond any deployment (and stays exact for readers with 32-bit integers).
    public static let maximumRevision: Int64 = 2_147_483_647

    /// How far past the revision it holds a reader takes the next one: finance's revisions arrive one
    /// at a time, so a larger jump means lost events or a forgery. A forged revision can hold the
    /// envelope a reader shows only until finance has made this many more changes to the quarter.
    public static let maximumRevisionStep: Int64 = 1_000
}

public struct RoiReported: EventPayload {
    public static let eventType = EventType.roiReported
    public var campaignId: String
    /// Totals so far: each may pass one amount's limit.
    public var spend: MoneyTotal
    public var revenue: MoneyTotal
    public var conversions: Int64
    /// Absent while spend is 0.
    public var roiBps: Int64?
    /// Absent while spend is 0.
    public var roasBps: Int64?
    /// Absent while there are no conversions.
    public var cacMinor: Int64?
    /// The campaign's figures under each rule-based model (`revenue`, `roiBps`, `roasBps` above are
    /// last touch's). Absent in reports from before attribution models.
    public var byModel: [AttributionModel: ModelReturn]?

    public init(
        campaignId: String, spend: MoneyTotal, revenue: MoneyTotal, conversions: Int64,
        byModel: [AttributionModel: ModelReturn]? = nil
    ) {
        self.campaignId = campaignId
        self.spend = spend
        self.revenue = revenue
        self.conversions = conversions
        self.byModel = byModel
        self.roiBps = Ratios.roiBps(revenueMinor: revenue.amountMinor, spendMinor: spend.amountMinor)
        self.roasBps = Ratios.roasBps(revenueMinor: revenue.amountMinor, spendMinor: spend.amountMinor)
        self.cacMinor = Ratios.cacMinor(spendMinor: spend.amountMinor, conversions: conversions)
    }

    public var subject: String { campaignId }

    public func validate(_ rules: ValidationRules) throws(EventRejection) {
        try rules.requireIdentifier(campaignId, "campaignId")
        try rules.requireTotal(spend, "spend")
        try rules.requireTotal(revenue, "revenue")
        try rules.requireNonNegative(conversions, "conversions")
        for (model, figures) in (byModel ?? [:]).sorted(by: { $0.key < $1.key }) {
            try rules.requireTotal(figures.revenue, "byModel.\(model.rawValue).revenue")
            try rules.requireNonNegative(figures.conversionsBps, "byModel.\(model.rawValue).conversionsBps")
        }
    }
}
