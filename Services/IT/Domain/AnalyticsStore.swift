import TriadEvents

/// Where IT keeps its state: in memory for the unit tests of the rules; in the service, a document
/// store over SQLite or PostgreSQL (it-service's DocumentAnalyticsStore).
public protocol AnalyticsStore {
    func customer(_ customerId: String) -> CustomerRecord?
    mutating func save(_ customer: CustomerRecord)

    func counters(_ campaignId: String) -> CampaignCounters?
    mutating func save(_ counters: CampaignCounters)

    /// Remembers an order; false when it was seen before.
    mutating func recordOrder(_ orderId: String) -> Bool
    var organic: OrganicTotals { get set }

    /// The newest `occurredAt` seen: IT's clock for inactivity.
    var eventClock: Timestamp? { get set }

    /// Customers with a purchase, not at risk now, whose last activity is at or before `cutoff`.
    mutating func inactiveCustomers(lastActiveAtOrBefore cutoff: Timestamp) -> [CustomerRecord]

    mutating func markPerformanceChanged(_ campaignId: String)
    mutating func takePerformanceChanged() -> [String]
}

/// IT state in memory, for unit tests of the rules. Inactivity candidates sit in a min-heap on last activity (stale entries are
/// skipped when popped), so a check costs only the customers that are actually due.
public struct InMemoryAnalyticsStore: AnalyticsStore, Sendable {
    private var customers: [String: CustomerRecord] = [:]
    private var campaignCounters: [String: CampaignCounters] = [:]
    private var orders: Set<String> = []
    private var dueHeap = MinHeap<DueEntry>()
    private var changed: [String] = []
    private var changedSet: Set<String> = []
    public var organic = OrganicTotals()
    public var eventClock: Timestamp?

    public init() {}

    public func customer(_ customerId: String) -> CustomerRecord? { customers[customerId] }

    public mutating func save(_ customer: CustomerRecord) {
        let previous = customers[customer.customerId]
        customers[customer.customerId] = customer
        if customer.purchases > 0, !customer.atRisk, let last = customer.lastActivityAt,
            previous?.lastActivityAt != last || previous?.atRisk != false || previous?.purchases == 0
        {
            dueHeap.push(DueEntry(lastActivityAt: last, customerId: customer.customerId))
        }
    }

    public func counters(_ campaignId: String) -> CampaignCounters? { campaignCounters[campaignId] }
    public mutating func save(_ counters: CampaignCounters) { campaignCounters[counters.campaignId] = counters }

    public mutating func recordOrder(_ orderId: String) -> Bool { orders.insert(orderId).inserted }

    public mutating func inactiveCustomers(lastActiveAtOrBefore cutoff: Timestamp) -> [CustomerRecord] {
        var due: [CustomerRecord] = []
        var seen: Set<String> = []
        while let top = dueHeap.peek, top.lastActivityAt <= cutoff {
            dueHeap.pop()
            guard let customer = customers[top.customerId], customer.lastActivityAt == top.lastActivityAt,
                customer.purchases > 0, !customer.atRisk, seen.insert(customer.customerId).inserted
            else { continue }
            due.append(customer)
        }
        return due.sorted { $0.customerId < $1.customerId }
    }

    public mutating func markPerformanceChanged(_ campaignId: String) {
        if changedSet.insert(campaignId).inserted { changed.append(campaignId) }
    }

    public mutating func takePerformanceChanged() -> [String] {
        defer {
            changed = []
            changedSet = []
        }
        return changed
    }

    private struct DueEntry: Comparable, Sendable {
        let lastActivityAt: Timestamp
        let customerId: String
        static func < (a: DueEntry, b: DueEntry) -> Bool {
            (a.lastActivityAt, a.customerId) < (b.lastActivityAt, b.customerId)
        }
    }
}

/// A binary min-heap.
struct MinHeap<Element: Comparable & Sendable>: Sendable {
    private var items: [Element] = []

    var peek: Element? { items.first }

    mutating func push(_ element: Element) {
        items.append(element)
        var child = items.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard items[child] < items[parent] else { break }
            items.swapAt(child, parent)
            child = parent
        }
    }

    @discardableResult
    mutating func pop() -> Element? {
        guard !items.isEmpty else { return nil }
        items.swapAt(0, items.count - 1)
        let top = items.removeLast()
        var parent = 0
        while true {
            let left = 2 * parent + 1, right = left + 1
            var smallest = parent
            if left < items.count, items[left] < items[smallest] { smallest = left }
            if right < items.count, items[right] < items[smallest] { smallest = right }
            guard smallest != parent else { break }
            items.swapAt(parent, smallest)
            parent = smallest
        }
        return top
    }
}
