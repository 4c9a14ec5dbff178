import TriadEvents

/// IT's rules: attribution (every rule-based model; the counters follow last touch), campaign
/// performance counters, customers' first purchases and churn risk in event time.
/// Pure and synchronous: it reads and changes an `AnalyticsState` and returns the events to emit.
public struct Analytics: Sendable {
    public let policy: AnalyticsPolicy

    public init(policy: AnalyticsPolicy) { self.policy = policy }

    /// Applies one customer interaction from `partition` (other events change nothing), then checks
    /// inactivity against that partition's event clock, which it may have moved.
    /// An interaction that would take a campaign's (or the organic) totals past what one partition's
    /// row may hold is refused before it changes anything.
    /// `now` is the wall clock (passed in, so the rules stay deterministic); an interaction more than
    /// `maxAheadMilliseconds` after it is refused.
    public func apply(_ event: DomainEvent, partition: Int32 = 0, now: Timestamp? = nil, to state: inout AnalyticsState)
        throws(EventRejection) -> [DomainEvent]
    {
        guard case .customerInteraction(let interaction) = event else { return [] }
        if let now,
            interaction.occurredAt.millisecondsSinceEpoch - now.millisecondsSinceEpoch > policy.maxAheadMilliseconds
        {
            throw EventRejection(
                .invalidData, field: "occurredAt",
                "is more than \(policy.maxAheadMilliseconds / 3_600_000) hours ahead of the clock (\(now.iso8601))")
        }
        try checkTotals(interaction, partition: partition, in: state)
        var events = record(interaction, partition: partition, in: &state)
        events += detectInactivity(on: partition, in: &state)
        return events
    }

    /// The campaign a purchase is credited to: the one it names, else the customer's last touch
    /// within the attribution window.
    private func attributedCampaign(of interaction: CustomerInteraction, in state: AnalyticsState) -> String? {
        interaction.campaignId
            ?? state.lastTouch(
                of: interaction.customerId, atOrBefore: interaction.occurredAt,
                window: policy.attributionWindowMilliseconds)?
            .campaignId
    }

    private func checkTotals(_ interaction: CustomerInteraction, partition: Int32, in state: AnalyticsState)
        throws(EventRejection)
    {
        let fits: Bool
        if interaction.kind == .purchase, let revenue = interaction.revenue {
            let campaignId = attributedCampaign(of: interaction, in: state)
            fits = state.fits(
                campaignId: campaignId, partition: partition, purchases: 1, revenueMinor: revenue.amountMinor)
        } else if let campaignId = interaction.campaignId {
            fits = state.fits(campaignId: campaignId, partition: partition, purchases: 0, revenueMinor: 0)
        } else {
            fits = true
        }
        guard fits else {
            throw EventRejection(
                .totalOverflow, field: interaction.kind == .purchase ? "revenue.amountMinor" : "campaignId",
                "would take the totals past \(AnalyticsState.partitionTotalLimit) on partition \(partition)")
        }
    }

    private func record(_ interaction: CustomerInteraction, partition: Int32, in state: inout AnalyticsState)
        -> [DomainEvent]
    {
        var customer = state.customer(interaction.customerId) ?? CustomerRecord(customerId: interaction.customerId)
        var events: [DomainEvent] = []
        customer.partition = partition
        if let segment = interaction.segment, segment.utf8Key != customer.segment.utf8Key {
            if customer.atRisk {  // marketing's count at risk moves with the customer
                events.append(
                    .churnRiskSegmentChanged(
                        ChurnRiskSegmentChanged(
                            customerId: customer.customerId, previousSegment: customer.segment, segment: segment,
                            changedAt: interaction.occurredAt)))
            }
            customer.segment = segment
        }
        state.advanceClock(of: partition, to: interaction.occurredAt)

        switch interaction.kind {
        case .impression, .unsubscribe:
            break
        case .click, .visit, .signup, .purchase:
            if customer.lastActivityAt.map({ interaction.occurredAt > $0 }) ?? true {
                customer.lastActivityAt = interaction.occurredAt
                if customer.atRisk {  // active again: the episode ends, a new one may begin
                    customer.atRisk = false
                    customer.riskReason = nil
                    events.append(
                        .churnRiskCleared(
                            ChurnRiskCleared(
                                customerId: customer.customerId, segment: customer.segment, activity: interaction.kind,
                                clearedAt: interaction.occurredAt)))
                }
            }
        }

        if let campaignId = interaction.campaignId, interaction.kind != .purchase {
            count(interaction.kind, for: campaignId, partition: partition, in: &state)
            if interaction.kind == .click || interaction.kind == .visit {
                state.addTouch(Touch(at: interaction.occurredAt, campaignId: campaignId), for: customer.customerId)
            }
        }

        // An order seen before (a redelivery or a replay) credits nothing again: its credits are not computed.
        if interaction.kind == .purchase, let orderId = interaction.orderId, let revenue = interaction.revenue,
            !state.hasRecorded(orderId)
        {
            let touches = AttributionRules.touches(
                state.touches(of: customer.customerId), before: interaction.occurredAt,
                window: policy.attributionWindowMilliseconds, campaignId: interaction.campaignId)
            let campaignId = touches.last?.campaignId  // `attributedCampaign`'s
            let order = RecordedOrder(
                orderId: orderId, customerId: customer.customerId, campaignId: campaignId,
                revenueMinor: revenue.amountMinor, occurredAt: interaction.occurredAt,
                credits: AttributionRules.credits(
                    of: revenue, at: interaction.occurredAt, over: touches,
                    halfLifeMilliseconds: policy.timeDecayHalfLifeMilliseconds),
                namedCampaignId: interaction.campaignId)
            if state.record(order) {
                // The first purchase IT ever saw of this customer (a replayed order records nothing, so
                // this is once per customer; a customer's interactions all come on one partition).
                if customer.purchases == 0 {
                    events.append(
                        .customerAcquired(
                            CustomerAcquired(
                                customerId: customer.customerId, orderId: orderId, campaignId: campaignId,
                                occurredAt: interaction.occurredAt)))
                }
                customer.purchases += 1
                if let campaignId {
                    state.count(
                        {
                            $0.purchases += 1
                            $0.revenueMinor += revenue.amountMinor
                        }, campaignId: campaignId, partition: partition)
                    events.append(
                        .conversionAttributed(
                            ConversionAttributed(
                                campaignId: campaignId, orderId: orderId, customerId: customer.customerId,
                                revenue: revenue, occurredAt: interaction.occurredAt, credits: order.credits)))
                } else {
                    state.addOrganic(revenueMinor: revenue.amountMinor, partition: partition)
                }
            }
        }

        if interaction.kind == .unsubscribe, !customer.atRisk {
            customer.atRisk = true
            customer.riskReason = .unsubscribed
            events.append(
                .churnRiskDetected(
                    ChurnRiskDetected(
                        customerId: customer.customerId, segment: customer.segment, reason: .unsubscribed,
                        lastActivityAt: customer.lastActivityAt, detectedAt: interaction.occurredAt)))
        }
        state.save(customer)
        return events
    }

    private func count(
        _ kind: InteractionKind, for campaignId: String, partition: Int32, in state: inout AnalyticsState
    ) {
        switch kind {
        case .impression: state.count({ $0.impressions += 1 }, campaignId: campaignId, partition: partition)
        case .click: state.count({ $0.clicks += 1 }, campaignId: campaignId, partition: partition)
        case .visit: state.count({ $0.visits += 1 }, campaignId: campaignId, partition: partition)
        case .signup: state.count({ $0.signups += 1 }, campaignId: campaignId, partition: partition)
        case .purchase, .unsubscribe: return
        }
    }

    /// Customers of `partition` with a purchase who have been silent for the inactivity threshold,
    /// measured against the newest event time seen on that partition; each is reported once per episode.
    public func detectInactivity(on partition: Int32, in state: inout AnalyticsState) -> [DomainEvent] {
        guard let now = state.eventClock(partition: partition) else { return [] }
        let cutoff = now.adding(milliseconds: -policy.inactivityMilliseconds)
        return state.inactiveCustomers(on: partition, lastActiveAtOrBefore: cutoff).map { found in
            var customer = found
            customer.atRisk = true
            customer.riskReason = .inactive
            state.save(customer)
            return .churnRiskDetected(
                ChurnRiskDetected(
                    customerId: customer.customerId, segment: customer.segment, reason: .inactive,
                    lastActivityAt: customer.lastActivityAt, detectedAt: now))
        }
    }

    /// The cutoff of the inactivity scan on a partition whose clock reads `clock`.
    public func inactivityCutoff(clock: Timestamp) -> Timestamp {
        clock.adding(milliseconds: -policy.inactivityMilliseconds)
    }

    /// Performance reports for the campaigns whose counters differ from what was last reported.
    public func performanceReports(current: [CampaignCounters], lastReported: [UTF8Key: CampaignCounters])
        -> [DomainEvent]
    {
        current.filter { lastReported[$0.campaignId.utf8Key] != $0 }.map {
            .campaignPerformanceReported($0.report(currency: policy.currency))
        }
    }
}
