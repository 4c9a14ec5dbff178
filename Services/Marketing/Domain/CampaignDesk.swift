import TriadEvents

/// Marketing's rules: the campaign state machine, reactions to finance's decisions, and what
/// the other services report. Pure and synchronous over a `MarketingState`.
public struct CampaignDesk: Sendable {
    public init() {}

    // MARK: Commands (HTTP)

    public func plan(_ planned: CampaignPlanned, in store: inout MarketingState) throws(CampaignError)
        -> (Campaign, [DomainEvent])
    {
        guard store.campaign(planned.campaignId) == nil else { throw .alreadyExists(planned.campaignId) }
        let campaign = Campaign(planned: planned)
        store.save(campaign)
        return (campaign, [.campaignPlanned(planned)])
    }

    public func perform(_ command: CampaignCommand, on id: String, in store: inout MarketingState)
        throws(CampaignError) -> (Campaign, [DomainEvent])
    {
        guard var campaign = store.campaign(id) else { throw .notFound(id) }
        let transition = command.transition
        guard transition.from.contains(campaign.status) else {
            throw .refusedTransition(campaignId: id, command: command, status: campaign.status)
        }
        if transition.to == .live, campaign.budgetExceeded { throw .budgetExceeded(id) }
        campaign.status = transition.to
        let event: DomainEvent
        switch command {
        case .launch:
            event = .campaignLaunched(CampaignLaunched(campaignId: id))
        case .pause:
            campaign.pauseReason = "manual"
            event = .campaignPaused(CampaignPaused(campaignId: id, reason: "manual"))
        case .resume:
            campaign.pauseReason = nil
            event = .campaignResumed(CampaignResumed(campaignId: id))
        case .complete:
            event = .campaignCompleted(CampaignCompleted(campaignId: id))
        }
        store.save(campaign)
        return (campaign, [event])
    }

    // MARK: Events

    /// Applies an event marketing consumes; `time` is when it was emitted (a report's point in its
    /// trend). A budget decision about a campaign marketing does not know breaks a rule and is
    /// refused (it goes to the dead-letter topic).
    public func apply(_ event: DomainEvent, at time: Timestamp? = nil, to store: inout MarketingState)
        throws(EventRejection)
        -> [DomainEvent]
    {
        switch event {
        case .budgetApproved(let approved):
            try decide(approved.campaignId, in: &store) {
                $0.status = .approved
                $0.approvedBudget = approved.approvedBudget
                $0.projection = Campaign.Projection(
                    approved.projectedRevenue, approved.projectedRoiBps, approved.projectionReason)
            }
            return []
        case .budgetRejected(let rejected):
            try decide(rejected.campaignId, in: &store) {
                $0.status = .rejected
                $0.rejectionReason = rejected.reason
                $0.projection = Campaign.Projection(
                    rejected.projectedRevenue, rejected.projectedRoiBps, rejected.projectionReason)
            }
            return []
        case .budgetExceeded(let exceeded):
            var campaign = try known(exceeded.campaignId, store)
            campaign.budgetExceeded = true
            guard campaign.status == .live else {
                store.save(campaign)  // not live: remembered, so it cannot go live later
                return []
            }
            campaign.status = .paused
            campaign.pauseReason = Self.budgetExceededReason
            store.save(campaign)
            return [.campaignPaused(CampaignPaused(campaignId: campaign.id, reason: Self.budgetExceededReason))]
        case .envelopeChanged(let envelope):
            try store.save(envelope)
            return []
        case .roiReported(let roi):
            store.save(roi, at: time)
            return []
        case .campaignPerformanceReported(let performance):
            store.save(performance)
            return []
        case .attributionMarkovComputed(let computed):
            store.save(computed)
            return []
        case .reallocationProposed(let proposal):
            try store.save(proposal)
            return []
        case .acquisitionReported(let acquisition):
            try store.save(acquisition)
            return []
        case .churnRiskDetected(let risk):
            _ = store.flagChurnRisk(customerId: risk.customerId, segment: risk.segment, at: risk.detectedAt)
            return []
        case .churnRiskCleared(let cleared):
            _ = store.clearChurnRisk(customerId: cleared.customerId, at: cleared.clearedAt)
            return []
        case .churnRiskSegmentChanged(let changed):
            _ = store.moveChurnRisk(customerId: changed.customerId, to: changed.segment)
            return []
        case .customerAcquired:
            return []  // finance counts new customers; marketing reads its acquisition report
        default:
            return []
        }
    }

    public static let budgetExceededReason = "budget-exceeded"

    /// Finance's decision, `record`ed on a campaign still planned; one decided already keeps its decision.
    private func decide(_ id: String, in store: inout MarketingState, _ record: (inout Campaign) -> Void)
        throws(EventRejection)
    {
        var campaign = try known(id, store)
        guard campaign.status == .planned else { return }
        record(&campaign)
        store.save(campaign)
    }

    private func known(_ id: String, _ store: MarketingState) throws(EventRejection) -> Campaign {
        guard let campaign = store.campaign(id) else {
            throw EventRejection(.ruleViolation, field: "campaignId", "campaign \(id) is not known to marketing")
        }
        return campaign
    }
}
