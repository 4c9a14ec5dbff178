import Marketing
import TriadEvents
import TriadStorage

/// How a batch of events is applied in one transaction: what it touches is loaded (and locked),
/// the desk applies the events in order, and what changed is written back.
public enum MarketingBatch {
    /// Returns for each event what it emits, or why it was refused.
    public static func apply(_ events: [IncomingEvent], desk: CampaignDesk, in session: any SQLSession) throws
        -> [Result<[DomainEvent], EventRejection>]
    {
        var campaignIds: [String] = []
        var customers: [String] = []
        var quarters: Set<Quarter> = []
        var reallocationQuarters: Set<Quarter> = []
        var acquisitionQuarters: Set<Quarter> = []
        var markov = false
        for event in events {
            switch event.event {
            case .envelopeChanged(let envelope): quarters.insert(envelope.quarter)
            case .reallocationProposed(let proposal): reallocationQuarters.insert(proposal.quarter)
            case .acquisitionReported(let acquisition): acquisitionQuarters.insert(acquisition.quarter)
            case .attributionMarkovComputed: markov = true
            case .budgetApproved, .budgetRejected, .budgetExceeded: campaignIds.append(event.event.payload.subject)
            case .churnRiskDetected, .churnRiskCleared, .churnRiskSegmentChanged:
                customers.append(event.event.payload.subject)
            default: break
            }
        }
        // A row that does not read back sets aside the events that need it, not the batch.
        let (campaigns, unreadable) = try CampaignsTable.lockReadable(campaignIds.distinctInByteOrder(), in: session)
        var state = MarketingState(
            campaigns: campaigns, churnRisks: try ChurnRiskTable.lock(customers.distinctInByteOrder(), in: session))
        // A reported revision is measured against the one stored (EnvelopeChanged.maximumRevisionStep).
        if !quarters.isEmpty {
            state.know(storedEnvelopes: try EnvelopesTable.envelopes(of: quarters.sorted(), in: session))
        }
        if !reallocationQuarters.isEmpty || !acquisitionQuarters.isEmpty {
            state.know(
                storedReallocations: reallocationQuarters.isEmpty
                    ? [] : try ReallocationsTable.proposals(of: reallocationQuarters.sorted(), in: session),
                storedAcquisitions: acquisitionQuarters.isEmpty
                    ? [] : try AcquisitionsTable.reports(of: acquisitionQuarters.sorted(), in: session))
        }
        // An older reading than the one stored changes nothing.
        if markov { state.know(storedMarkov: try MarkovTable.latest(locking: true, in: session)) }
        let results = unreadable.apply(events, field: "campaignId", row: { "marketing's stored campaign \($0)" }) {
            event throws(EventRejection) in try desk.apply(event.event, at: event.received.envelope.time, to: &state)
        }
        try save(state, in: session)
        return results
    }

    /// Writes what changed; `newCampaigns` are inserted, never upserted (`CampaignsTable.save`).
    public static func save(_ state: MarketingState, newCampaigns: Set<UTF8Key> = [], in session: any SQLSession) throws
    {
        try CampaignsTable.save(state.changedCampaignRecords(), new: newCampaigns, in: session)
        try RoiTable.save(state, in: session)
        try PerformanceTable.save(state, in: session)
        try ChurnRiskTable.save(state, in: session)
        try ChurnRiskCountsTable.save(state, in: session)
        try ChurnFlowTable.save(state, in: session)
        try RoiHistoryTable.save(state, in: session)
        try EnvelopesTable.save(state, in: session)
        try MarkovTable.save(state, in: session)
        try ReallocationsTable.save(state, in: session)
        try AcquisitionsTable.save(state, in: session)
    }
}
