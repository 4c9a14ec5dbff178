// MARK: finance.budget-decisions and finance.roi — produced by finance, keyed by campaignId

public struct BudgetApproved: EventPayload {
    public static let eventType = EventType.budgetApproved
    public var campaignId: String
    public var approvedBudget: Money
    /// The calendar quarter (UTC) of the campaign's start, whose envelope the approval is reserved from.
    public var quarter: Quarter
    /// The channel's curve, taken over the campaign's weeks, at the budget (`Projection`); absent in
    /// decisions from before projections.
    public var projectedRevenue: Money?
    public var projectedRoiBps: Int64?
    public var projectionReason: ProjectionReason?

    public init(
        campaignId: String, approvedBudget: Money, quarter: Quarter, projectedRevenue: Money? = nil,
        projectedRoiBps: Int64? = nil, projectionReason: ProjectionReason? = nil
    ) {
        self.campaignId = campaignId
        self.approvedBudget = approvedBudget
        self.quarter = quarter
        self.projectedRevenue = projectedRevenue
        self.projectedRoiBps = projectedRoiBps
        self.projectionReason = projectionReason
    }

    public var subject: String { campaignId }

    public func validate(_ rules: ValidationRules) throws(EventRejection) {
        try rules.requireIdentifier(campaignId, "campaignId")
        try rules.requireMoney(approvedBudget, "approvedBudget")
        try rules.requireProjection(projectedRevenue, projectedRoiBps, projectionReason)
    }
}

/// Whether a budget decision carries a projection from its channel's response curve.
public enum ProjectionReason: String, Codable, Sendable, CaseIterable {
    /// `projectedRevenue` and `projectedRoiBps` are the curve's figures at the budget.
    case curve
    /// The channel has no curve yet: both figures are absent.
    case notEnoughHistory = "not-enough-history"
}

extension ValidationRules {
    /// A budget decision's projection: revenue an amount of money, ROI no lower than −10,000 bps (all
    /// lost), both present when the reason is `curve`.
    func requireProjection(
        _ revenue: Money?, _ roiBps: Int64?, _ reason: ProjectionReason?
    ) throws(EventRejection) {
        if let revenue { try requireMoney(revenue, "projectedRevenue") }
        if let roiBps { try requireAtLeast(roiBps, -10_000, "projectedRoiBps") }
        guard let reason else { return }
        _ = try require(
            revenue, "projectedRevenue", when: "projectionReason", is: ProjectionReason.curve, given: reason)
        _ = try require(roiBps, "projectedRoiBps", when: "projectionReason", is: ProjectionReason.curve, given: reason)
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
    /// The channel's curve at the requested budget, as on `BudgetApproved`.
    public var projectedRevenue: Money?
    public var projectedRoiBps: Int64?
    public var projectionReason: ProjectionReason?

    public init(
        campaignId: String, reason: BudgetRejectionReason, requestedBudget: Money, quarter: Quarter,
        projectedRevenue: Money? = nil, projectedRoiBps: Int64? = nil, projectionReason: ProjectionReason? = nil
    ) {
        self.campaignId = campaignId
        self.reason = reason
        self.requestedBudget = requestedBudget
        self.quarter = quarter
        self.projectedRevenue = projectedRevenue
        self.projectedRoiBps = projectedRoiBps
        self.projectionReason = projectionReason
    }

    public var subject: String { campaignId }

    public func validate(_ rules: ValidationRules) throws(EventRejection) {
        try rules.requireIdentifier(campaignId, "campaignId")
        try rules.requireMoney(requestedBudget, "requestedBudget")
        try rules.requireProjection(projectedRevenue, projectedRoiBps, projectionReason)
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
    /// Spend / new customers (`newCustomers`); absent while there are none, and in older reports,
    /// where it held spend / conversions (now `costPerOrderMinor`).
    public var cacMinor: Int64?
    /// Customers whose first purchase was attributed to the campaign; absent in older reports.
    public var newCustomers: Int64?
    /// Spend / conversions; absent while there are no conversions, and in older reports.
    public var costPerOrderMinor: Int64?
    /// The campaign's figures under each rule-based model (`revenue`, `roiBps`, `roasBps` above are
    /// last touch's). Absent in reports from before attribution models.
    public var byModel: [AttributionModel: ModelReturn]?

    public init(
        campaignId: String, spend: MoneyTotal, revenue: MoneyTotal, conversions: Int64,
        byModel: [AttributionModel: ModelReturn]? = nil, newCustomers: Int64? = nil
    ) {
        self.campaignId = campaignId
        self.spend = spend
        self.revenue = revenue
        self.conversions = conversions
        self.byModel = byModel
        self.newCustomers = newCustomers
        self.roiBps = Ratios.roiBps(revenueMinor: revenue.amountMinor, spendMinor: spend.amountMinor)
        self.roasBps = Ratios.roasBps(revenueMinor: revenue.amountMinor, spendMinor: spend.amountMinor)
        self.cacMinor = newCustomers.flatMap { Ratios.cacMinor(spendMinor: spend.amountMinor, newCustomers: $0) }
        self.costPerOrderMinor = Ratios.costPerOrderMinor(spendMinor: spend.amountMinor, orders: conversions)
    }

    public var subject: String { campaignId }

    public func validate(_ rules: ValidationRules) throws(EventRejection) {
        try rules.requireIdentifier(campaignId, "campaignId")
        try rules.requireTotal(spend, "spend")
        try rules.requireTotal(revenue, "revenue")
        try rules.requireNonNegative(conversions, "conversions")
        if let newCustomers { try rules.requireNonNegative(newCustomers, "newCustomers") }
        for (model, figures) in (byModel ?? [:]).sorted(by: { $0.key < $1.key }) {
            try rules.requireTotal(figures.revenue, "byModel.\(model.rawValue).revenue")
            try rules.requireNonNegative(figures.conversionsBps, "byModel.\(model.rawValue).conversionsBps")
        }
    }
}

/// Finance's acquisition figures for one quarter of event time, over every campaign. Keyed by
/// quarter; `revision` grows by one with every emitted change of the quarter's figures, bounded like
/// `EnvelopeChanged`'s.
public struct AcquisitionReported: EventPayload {
    public static let eventType = EventType.acquisitionReported
    public var quarter: Quarter
    /// Spend in the quarter: a total.
    public var spend: MoneyTotal
    /// Last-touch attributed revenue of the orders purchased in the quarter: a total.
    public var revenue: MoneyTotal
    /// Attributed orders purchased in the quarter.
    public var orders: Int64
    /// Customers whose first purchase fell in the quarter.
    public var newCustomers: Int64
    /// Spend / new customers, floored; absent while there are none.
    public var cacMinor: Int64?
    /// Spend / orders, floored; absent while there are none.
    public var costPerOrderMinor: Int64?
    /// Marketing efficiency ratio: revenue × 10,000 / spend, floored; absent while spend is 0.
    public var merBps: Int64?
    public var revision: Int64

    public init(
        quarter: Quarter, spend: MoneyTotal, revenue: MoneyTotal, orders: Int64, newCustomers: Int64, revision: Int64
    ) {
        self.quarter = quarter
        self.spend = spend
        self.revenue = revenue
        self.orders = orders
        self.newCustomers = newCustomers
        self.revision = revision
        cacMinor = Ratios.cacMinor(spendMinor: spend.amountMinor, newCustomers: newCustomers)
        costPerOrderMinor = Ratios.costPerOrderMinor(spendMinor: spend.amountMinor, orders: orders)
        merBps = Ratios.merBps(revenueMinor: revenue.amountMinor, spendMinor: spend.amountMinor)
    }

    public var subject: String { quarter.description }

    public func validate(_ rules: ValidationRules) throws(EventRejection) {
        try rules.requireTotal(spend, "spend")
        try rules.requireTotal(revenue, "revenue")
        try rules.requireNonNegative(orders, "orders")
        try rules.requireNonNegative(newCustomers, "newCustomers")
        try rules.requireAtLeast(revision, 1, "revision")
        try rules.requireAtMost(revision, EnvelopeChanged.maximumRevision, "revision")
    }
}
