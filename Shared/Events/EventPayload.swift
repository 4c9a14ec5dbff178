/// The `data` of one event type. `subject` is the aggregate id: the Kafka key and the CloudEvents subject.
public protocol EventPayload: Codable, Sendable, Equatable {
    static var eventType: EventType { get }
    var subject: String { get }
    /// Checks what the JSON shape cannot: identifiers, amounts, currency, cross-field rules.
    func validate(_ rules: ValidationRules) throws(EventRejection)
}

/// Every event of the catalog, decoded and validated.
public enum DomainEvent: Sendable, Equatable {
    case campaignPlanned(CampaignPlanned)
    case campaignLaunched(CampaignLaunched)
    case campaignPaused(CampaignPaused)
    case campaignResumed(CampaignResumed)
    case campaignCompleted(CampaignCompleted)
    case budgetApproved(BudgetApproved)
    case budgetRejected(BudgetRejected)
    case budgetExceeded(BudgetExceeded)
    case envelopeChanged(EnvelopeChanged)
    case roiReported(RoiReported)
    case adSpendReported(AdSpendReported)
    case customerInteraction(CustomerInteraction)
    case conversionAttributed(ConversionAttributed)
    case campaignPerformanceReported(CampaignPerformanceReported)
    case churnRiskDetected(ChurnRiskDetected)
    case churnRiskCleared(ChurnRiskCleared)
    case churnRiskSegmentChanged(ChurnRiskSegmentChanged)
    case attributionMarkovComputed(AttributionMarkovComputed)
    case reallocationProposed(ReallocationProposed)
    case customerAcquired(CustomerAcquired)
    case acquisitionReported(AcquisitionReported)

    public var payload: any EventPayload {
        switch self {
        case .campaignPlanned(let p): p
        case .campaignLaunched(let p): p
        case .campaignPaused(let p): p
        case .campaignResumed(let p): p
        case .campaignCompleted(let p): p
        case .budgetApproved(let p): p
        case .budgetRejected(let p): p
        case .budgetExceeded(let p): p
        case .envelopeChanged(let p): p
        case .roiReported(let p): p
        case .adSpendReported(let p): p
        case .customerInteraction(let p): p
        case .conversionAttributed(let p): p
        case .campaignPerformanceReported(let p): p
        case .churnRiskDetected(let p): p
        case .churnRiskCleared(let p): p
        case .churnRiskSegmentChanged(let p): p
        case .attributionMarkovComputed(let p): p
        case .reallocationProposed(let p): p
        case .customerAcquired(let p): p
        case .acquisitionReported(let p): p
        }
    }

    public var type: EventType { Swift.type(of: payload).eventType }

    /// The campaign the event is about, if any: a coalesced report about that campaign (ROI,
    /// performance) summarises it.
    public var campaignId: String? {
        switch self {
        case .campaignPlanned(let p): p.campaignId
        case .campaignLaunched(let p): p.campaignId
        case .campaignPaused(let p): p.campaignId
        case .campaignResumed(let p): p.campaignId
        case .campaignCompleted(let p): p.campaignId
        case .budgetApproved(let p): p.campaignId
        case .budgetRejected(let p): p.campaignId
        case .budgetExceeded(let p): p.campaignId
        case .roiReported(let p): p.campaignId
        case .adSpendReported(let p): p.campaignId
        case .customerInteraction(let p): p.campaignId
        case .conversionAttributed(let p): p.campaignId
        case .campaignPerformanceReported(let p): p.campaignId
        case .customerAcquired(let p): p.campaignId
        case .envelopeChanged, .churnRiskDetected, .churnRiskCleared, .churnRiskSegmentChanged,
            .attributionMarkovComputed, .reallocationProposed, .acquisitionReported:
            nil
        }
    }
}

extension DomainEvent {
    /// Decodes the payload of `type` with `read`, which is handed the payload's Swift type.
    package static func decode(
        _ type: EventType, _ read: (any EventPayload.Type) throws -> any EventPayload
    ) throws -> DomainEvent {
        func payload<P: EventPayload>(_: P.Type) throws -> P { try read(P.self) as! P }
        switch type {
        case .campaignPlanned: return .campaignPlanned(try payload(CampaignPlanned.self))
        case .campaignLaunched: return .campaignLaunched(try payload(CampaignLaunched.self))
        case .campaignPaused: return .campaignPaused(try payload(CampaignPaused.self))
        case .campaignResumed: return .campaignResumed(try payload(CampaignResumed.self))
        case .campaignCompleted: return .campaignCompleted(try payload(CampaignCompleted.self))
        case .budgetApproved: return .budgetApproved(try payload(BudgetApproved.self))
        case .budgetRejected: return .budgetRejected(try payload(BudgetRejected.self))
        case .budgetExceeded: return .budgetExceeded(try payload(BudgetExceeded.self))
        case .envelopeChanged: return .envelopeChanged(try payload(EnvelopeChanged.self))
        case .roiReported: return .roiReported(try payload(RoiReported.self))
        case .adSpendReported: return .adSpendReported(try payload(AdSpendReported.self))
        case .customerInteraction: return .customerInteraction(try payload(CustomerInteraction.self))
        case .conversionAttributed: return .conversionAttributed(try payload(ConversionAttributed.self))
        case .campaignPerformanceReported:
            return .campaignPerformanceReported(try payload(CampaignPerformanceReported.self))
        case .churnRiskDetected: return .churnRiskDetected(try payload(ChurnRiskDetected.self))
        case .churnRiskCleared: return .churnRiskCleared(try payload(ChurnRiskCleared.self))
        case .churnRiskSegmentChanged: return .churnRiskSegmentChanged(try payload(ChurnRiskSegmentChanged.self))
        case .attributionMarkovComputed:
            return .attributionMarkovComputed(try payload(AttributionMarkovComputed.self))
        case .reallocationProposed: return .reallocationProposed(try payload(ReallocationProposed.self))
        case .customerAcquired: return .customerAcquired(try payload(CustomerAcquired.self))
        case .acquisitionReported: return .acquisitionReported(try payload(AcquisitionReported.self))
        }
    }

    /// The event as this build's version of its type reads it, from a payload of `version`.
    /// (Matched case by case: `type` would box the payload first, for every event read.)
    public func upcast(fromVersion version: Int) -> DomainEvent {
        switch self {
        case .conversionAttributed(let conversion) where version < EventType.conversionAttributed.currentVersion:
            return .conversionAttributed(conversion.upcast(fromVersion: version))
        default: return self
        }
    }
}
