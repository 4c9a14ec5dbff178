import Finance
import TriadEvents
import TriadStorage

/// Reallocation proposals from the stored history: what `GET /reallocation` reads, and the coalesced
/// `triad.reallocation.proposed` reports of the default model's proposal for the next quarter.
public enum ReallocationQuery {
    /// The proposal for `quarter` (nil: the one after the newest quarter of event time) under
    /// `model`: current shares from the approved budgets of the quarter before, curves from every
    /// channel's stored weeks. Nil when no quarter is asked and finance has seen no event time.
    public static func proposal(
        for quarter: Quarter?, model: AttributionModel, policy: BudgetPolicy, in session: any SQLSession
    ) throws -> ReallocationProposal? {
        guard
            let quarter = try quarter
                ?? QuarterFiguresTable.newestQuarter(in: session).flatMap(ReallocationProposal.defaultQuarter)
        else { return nil }
        let approved = try ReallocationProposal.currentQuarter(of: quarter).map {
            try AccountsTable.approvedByChannel(in: $0, in: session)
        }
        return try ReallocationProposal(
            quarter: quarter, model: model, policy: policy, approvedMinor: approved ?? [:],
            history: ChannelWeeksTable.history(model: model, in: session))
    }

    /// The default model's proposal for the next quarter when its amounts differ from the last one
    /// emitted for that quarter (at least one step moved), at the next revision, recorded as emitted;
    /// nothing while there is no proposal or it has no channel.
    public static func reports(policy: BudgetPolicy, in session: any SQLSession) throws -> [DomainEvent] {
        guard let proposal = try proposal(for: nil, model: .default, policy: policy, in: session),
            !proposal.channels.isEmpty
        else { return [] }
        let last = try ReallocationsReportedTable.last(proposal.quarter, in: session)
        // A change of at least one step in some channel (or a channel added or gone) is news; less is
        // the rounding of figures that moved a little, and not announced.
        let step = BudgetReallocation.step(ofEnvelope: proposal.envelope.amountMinor)
        let proposed = proposal.proposedMinor
        let changed =
            Set(proposed.keys) != Set(last.proposedMinor.keys)
            || proposed.contains { channel, amount in abs(amount - (last.proposedMinor[channel] ?? 0)) >= step }
        guard changed, last.revision < EnvelopeChanged.maximumRevision else { return [] }
        let event = proposal.event(revision: last.revision + 1)
        try ReallocationsReportedTable.record(event, in: session)
        return [.reallocationProposed(event)]
    }
}
