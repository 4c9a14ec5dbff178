import TriadEvents

/// IT's rules: last-touch attribution, campaign performance counters and churn risk in event time.
/// Pure and synchronous: it reads and writes an `AnalyticsStore` and returns the events to emit.
public struct Analytics: Sendable {
    public let policy: AnalyticsPolicy

    public init(policy: AnalyticsPolicy) { self.policy = policy }

    /// Applies one customer interaction (other events change nothing), then checks inactivity
    /// against the event clock it may have moved.
    public func apply(_ event: DomainEvent, to store: inout some AnalyticsStore) -> [DomainEvent] {
        guard case .customerInteraction(let interaction) = event else { return [] }
        var events = record(interaction, in: &store)
        events += detectInactivity(in: &store)
        return events
    }

    private func record(_ interaction: CustomerInteraction, in store: inout some AnalyticsStore) -> [DomainEvent] {
        var customer = store.customer(interaction.customerId) ?? CustomerRecord(customerId: interaction.customerId)
        var events: [DomainEvent] = []
        if let segment = interaction.segment { customer.segment = segment }
        if store.eventClock.map({ interaction.occurredAt > $0 }) ?? true { store.eventClock = interaction.occurredAt }

        switch interaction.kind {
        case .impression, .unsubscribe:
            break
        case .click, .visit, .signup, .purchase:
            if customer.lastActivityAt.map({ interaction.occurredAt > $0 }) ?? true {
                customer.lastActivityAt = interaction.occurredAt
                customer.atRisk = false  // active again: a new episode may begin
            }
        }

        if let campaignId = interaction.campaignId, interaction.kind != .purchase {
            count(interaction.kind, for: campaignId, in: &store)
            if interaction.kind == .click || interaction.kind == .visit {
                customer.addTouch(CustomerRecord.Touch(at: interaction.occurredAt, campaignId: campaignId))
            }
        }

        if interaction.kind == .purchase, let orderId = interaction.orderId, let revenue = interaction.revenue,
            store.recordOrder(orderId)
        {
            customer.purchases += 1
            let campaignId =
                interaction.campaignId
                ?? customer.lastTouch(atOrBefore: interaction.occurredAt, window: policy.attributionWindowMilliseconds)?
                .campaignId
            if let campaignId {
                var counters = store.counters(campaignId) ?? CampaignCounters(campaignId: campaignId)
                counters.purchases += 1
                counters.revenueMinor += revenue.amountMinor
                store.save(counters)
                store.markPerformanceChanged(campaignId)
                events.append(
                    .conversionAttributed(
                        ConversionAttributed(
                            campaignId: campaignId, orderId: orderId, customerId: customer.customerId,
                            revenue: revenue, occurredAt: interaction.occurredAt)))
            } else {
                store.organic.purchases += 1
                store.organic.revenueMinor += revenue.amountMinor
            }
        }

        if interaction.kind == .unsubscribe, !customer.atRisk {
            customer.atRisk = true
            events.append(
                .churnRiskDetected(
                    ChurnRiskDetected(
                        customerId: customer.customerId, segment: customer.segment, reason: .unsubscribed,
                        lastActivityAt: customer.lastActivityAt, detectedAt: interaction.occurredAt)))
        }
        store.save(customer)
        return events
    }

    private func count(_ kind: InteractionKind, for campaignId: String, in store: inout some AnalyticsStore) {
        var counters = store.counters(campaignId) ?? CampaignCounters(campaignId: campaignId)
        switch kind {
        case .impression: counters.impressions += 1
        case .click: counters.clicks += 1
        case .visit: counters.visits += 1
        case .signup: counters.signups += 1
        case .purchase, .unsubscribe: return
        }
        store.save(counters)
        store.markPerformanceChanged(campaignId)
    }

    /// Customers with a purchase who have been silent for the inactivity threshold, measured
    /// against the newest event time seen; each is reported once per episode.
    public func detectInactivity(in store: inout some AnalyticsStore) -> [DomainEvent] {
        guard let now = store.eventClock else { return [] }
        let cutoff = now.adding(milliseconds: -policy.inactivityMilliseconds)
        return store.inactiveCustomers(lastActiveAtOrBefore: cutoff).map { found in
            var customer = found
            customer.atRisk = true
            store.save(customer)
            return .churnRiskDetected(
                ChurnRiskDetected(
                    customerId: customer.customerId, segment: customer.segment, reason: .inactive,
                    lastActivityAt: customer.lastActivityAt, detectedAt: now))
        }
    }

    /// Performance reports for every campaign whose counters changed since the last call.
    public func pendingPerformanceReports(in store: inout some AnalyticsStore) -> [DomainEvent] {
        store.takePerformanceChanged().compactMap { id in
            store.counters(id).map { .campaignPerformanceReported($0.report(currency: policy.currency)) }
        }
    }
}
