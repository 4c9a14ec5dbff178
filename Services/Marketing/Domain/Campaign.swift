import TriadEvents

/// Where a campaign is in its life.
public enum CampaignStatus: String, Codable, Sendable, CaseIterable {
    case planned, approved, rejected, live, paused, completed
}

/// A marketing campaign and the figures the other services reported about it.
public struct Campaign: Sendable, Equatable, Codable {
    public let id: String
    public var name: String
    public var channel: Channel
    public var segment: String
    public var requestedBudget: Money
    public var startDate: CalendarDate
    public var endDate: CalendarDate
    public var targetRoiBps: Int64
    public var status: CampaignStatus
    public var approvedBudget: Money?
    public var rejectionReason: BudgetRejectionReason?
    public var pauseReason: String?
    /// Finance reported spend over the approved budget.
    public var budgetExceeded = false
    /// What finance's response curve for the channel expected at the requested budget when it decided;
    /// nil for a decision from before projections.
    public var projection: Projection?

    public init(planned: CampaignPlanned) {
        id = planned.campaignId
        name = planned.name
        channel = planned.channel
        segment = planned.segment
        requestedBudget = planned.requestedBudget
        startDate = planned.startDate
        endDate = planned.endDate
        targetRoiBps = planned.targetRoiBps
        status = .planned
    }

    /// Finance's projection at planning time: revenue and ROI at the requested budget from the
    /// channel's curve (`reason` `curve`), or none (`not-enough-history`).
    public struct Projection: Sendable, Equatable, Codable {
        public var projectedRevenue: Money?
        public var projectedRoiBps: Int64?
        public var reason: ProjectionReason

        public init(projectedRevenue: Money?, projectedRoiBps: Int64?, reason: ProjectionReason) {
            self.projectedRevenue = projectedRevenue
            self.projectedRoiBps = projectedRoiBps
            self.reason = reason
        }

        /// A decision's projection; nil when it names no reason (a decision from before projections).
        init?(_ projectedRevenue: Money?, _ projectedRoiBps: Int64?, _ reason: ProjectionReason?) {
            guard let reason else { return nil }
            self.init(projectedRevenue: projectedRevenue, projectedRoiBps: projectedRoiBps, reason: reason)
        }
    }
}

/// A state change people ask for over HTTP.
public enum CampaignCommand: String, Sendable, CaseIterable {
    case launch, pause, resume, complete

    /// The states the command may start from, and where it leads.
    var transition: (from: Set<CampaignStatus>, to: CampaignStatus) {
        switch self {
        case .launch: ([.approved], .live)
        case .pause: ([.live], .paused)
        case .resume: ([.paused], .live)
        case .complete: ([.live, .paused], .completed)
        }
    }
}

/// Why marketing refused a request.
public enum CampaignError: Error, Equatable, Sendable, CustomStringConvertible {
    case notFound(String)
    case alreadyExists(String)
    case refusedTransition(campaignId: String, command: CampaignCommand, status: CampaignStatus)
    case budgetExceeded(String)

    public var description: String {
        switch self {
        case .notFound(let id): "campaign \(id) does not exist"
        case .alreadyExists(let id): "campaign \(id) already exists"
        case .refusedTransition(let id, let command, let status):
            switch (command, status) {
            case (.launch, .rejected): "campaign \(id) cannot launch: finance rejected its budget"
            case (.launch, .planned): "campaign \(id) cannot launch: finance has not decided on its budget yet"
            default: "campaign \(id) cannot \(command.rawValue) while \(status.rawValue)"
            }
        case .budgetExceeded(let id): "campaign \(id) cannot go live: finance reported its budget exceeded"
        }
    }
}
