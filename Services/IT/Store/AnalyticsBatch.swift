import Analytics
import TriadEvents
import TriadStorage

/// How a batch of interactions is applied in one transaction: what it touches is loaded (and
/// locked), analytics applies the events in order, and what changed is written back.
public enum AnalyticsBatch {
    /// Returns for each event what it emits, or why it was refused.
    public static func apply(_ events: [IncomingEvent], analytics: Analytics, in session: any SQLSession) throws
        -> [Result<[DomainEvent], EventRejection>]
    {
        var interactions: [(CustomerInteraction, Int32)] = []
        for event in events {
            if case .customerInteraction(let interaction) = event.event {
                interactions.append((interaction, event.partition))
            }
        }
        var (state, stored) = try load(interactions, analytics: analytics, in: session)
        let now = Timestamp.now()
        let results = events.map { event in
            Result { () throws(EventRejection) in
                try analytics.apply(event.event, partition: event.partition, now: now, to: &state)
            }
        }
        try save(state, stored: stored, in: session)
        return results
    }

    /// The state a batch needs, and the customers' rows as stored (the others are new).
    private static func load(
        _ interactions: [(CustomerInteraction, Int32)], analytics: Analytics, in session: any SQLSession
    )
        throws -> (AnalyticsState, stored: [SQLRow])
    {
        // Told apart by bytes; in byte order, one lock order on PostgreSQL.
        var stored = try CustomersTable.lock(interactions.map(\.0.customerId).distinctInByteOrder(), in: session)
        var customers = stored.map(CustomersTable.record)

        // The clocks, and the customers that can fall due before the batch ends.
        let partitions = Set(interactions.map(\.1)).sorted()
        let clocks = try PartitionClocksTable.clocks(partitions, in: session)
        var cutoffs: [(partition: Int32, cutoff: Int64)] = []
        for partition in partitions {
            let newest = interactions.filter { $0.1 == partition }.map(\.0.occurredAt).max()
            guard let clock = [clocks[partition], newest].compactMap({ $0 }).max() else { continue }
            cutoffs.append((partition, analytics.inactivityCutoff(clock: clock).millisecondsSinceEpoch))
        }
        var loaded = Set(customers.map(\.customerId.utf8Key))
        for row in try CustomersTable.due(cutoffs, in: session) {
            let customer = CustomersTable.record(row)
            guard loaded.insert(customer.customerId.utf8Key).inserted else { continue }
            customers.append(customer)
            stored.append(row)
        }

        // Orders seen before; `save` records the new ones.
        let orderIds = interactions.compactMap { $0.0.kind == .purchase ? $0.0.orderId : nil }.distinctInByteOrder()
        let recorded = try OrdersTable.recorded(orderIds, in: session)

        let purchases = interactions.map(\.0).filter { $0.kind == .purchase && $0.orderId != nil }
        let touches = try TouchesTable.forPurchases(
            purchases, window: analytics.policy.attributionWindowMilliseconds, in: session)
        // The stored totals of what the batch adds to, for the overflow check: the campaigns its
        // events name, and the stored last touch of each purchase that names none (the campaign
        // it may be attributed to; the other touches only share credit, which counts nothing here).
        var campaignIds = Set(interactions.compactMap { $0.0.campaignId?.utf8Key })
        for purchase in purchases where purchase.campaignId == nil {
            let stored = touches[purchase.customerId.utf8Key]?.last { $0.at <= purchase.occurredAt }
            if let stored { campaignIds.insert(stored.campaignId.utf8Key) }
        }
        let state = AnalyticsState(
            customers: customers, touches: touches, recordedOrders: recorded, clocks: clocks,
            storedCounters: try CampaignCountersTable.stored(campaignIds, partitions: Set(partitions), in: session),
            storedOrganic: try OrganicTable.stored(partitions, in: session))
        return (state, stored)
    }

    private static func save(_ state: AnalyticsState, stored: [SQLRow], in session: any SQLSession) throws {
        try CustomersTable.writeBack(state.changedCustomerRecords(), stored: stored, in: session)
        try TouchesTable.save(state.newTouches, in: session)
        try OrdersTable.recordNew(state.newOrders, in: session)
        try OrderCreditsTable.save(state.newOrders, in: session)
        try CampaignCountersTable.save(state, in: session)
        try OrganicTable.save(state, in: session)
        try PartitionClocksTable.save(state, in: session)
    }
}
