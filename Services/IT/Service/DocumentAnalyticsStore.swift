import Analytics
import TriadEvents
import TriadStorage

/// IT's state in the service database, inside one transaction. A customer's `due` column holds
/// its last activity while it is a candidate for the inactivity check (a buyer not at risk).
struct DocumentAnalyticsStore: AnalyticsStore {
    let transaction: DocumentTransaction

    init(_ transaction: DocumentTransaction) { self.transaction = transaction }

    func customer(_ customerId: String) -> CustomerRecord? {
        transaction.get(CustomerRecord.self, kind: "customer", id: customerId)
    }

    mutating func save(_ customer: CustomerRecord) {
        let candidate = customer.purchases > 0 && !customer.atRisk
        transaction.put(
            customer, kind: "customer", id: customer.customerId,
            due: candidate ? customer.lastActivityAt?.millisecondsSinceEpoch : nil)
    }

    func counters(_ campaignId: String) -> CampaignCounters? {
        transaction.get(CampaignCounters.self, kind: "counters", id: campaignId)
    }

    mutating func save(_ counters: CampaignCounters) { transaction.put(counters, kind: "counters", id: counters.campaignId) }

    mutating func recordOrder(_ orderId: String) -> Bool { transaction.insertMarker(kind: "order", id: orderId) }

    var organic: OrganicTotals {
        get { transaction.get(OrganicTotals.self, kind: "organic", id: "all") ?? OrganicTotals() }
        set { transaction.put(newValue, kind: "organic", id: "all") }
    }

    var eventClock: Timestamp? {
        get { transaction.get(Timestamp.self, kind: "clock", id: "event-time") }
        set { if let newValue { transaction.put(newValue, kind: "clock", id: "event-time") } }
    }

    mutating func inactiveCustomers(lastActiveAtOrBefore cutoff: Timestamp) -> [CustomerRecord] {
        transaction.due(CustomerRecord.self, kind: "customer", atOrBefore: cutoff.millisecondsSinceEpoch)
    }

    mutating func markPerformanceChanged(_ campaignId: String) {
        _ = transaction.insertMarker(kind: "performance-changed", id: campaignId)
    }

    mutating func takePerformanceChanged() -> [String] { transaction.takeMarkers(kind: "performance-changed") }
}
