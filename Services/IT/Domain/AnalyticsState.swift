import TriadEvents

/// The part of IT's state one batch of interactions works on, in memory, and what the batch
/// changed. The service seeds it from its tables with every row the batch can touch and writes the
/// changes back; unit tests start it empty and keep using it.
///
/// Counters and organic totals are kept per partition and, in a batch, start at zero: what the batch
/// adds is written as increments, so instances that share a campaign never write the same row.
public struct AnalyticsState: Sendable {
    /// A campaign on a partition; the campaign told apart by its bytes (`UTF8Key`).
    public struct CounterKey: Hashable, Sendable {
        public let campaign: UTF8Key
        public let partition: Int32

        public init(campaignId: String, partition: Int32) {
            campaign = UTF8Key(campaignId)
            self.partition = partition
        }

        public var campaignId: String { campaign.string }
    }

    // Keyed by bytes (`UTF8Key`), as the tables are: two spellings Unicode calls equivalent are two ids.
    private var customers: [UTF8Key: CustomerRecord] = [:]
    private var touches: [UTF8Key: [Touch]] = [:]
    private var orders: Set<UTF8Key> = []
    private var clocks: [Int32: Timestamp] = [:]
    private var due: [Int32: MinHeap<DueEntry>] = [:]

    public private(set) var changedCustomers: Set<UTF8Key> = []
    public private(set) var newTouches: [(customerId: String, touch: Touch)] = []
    public private(set) var newOrders: [RecordedOrder] = []
    public private(set) var changedClocks: Set<Int32> = []
    public private(set) var countersByPartition: [CounterKey: CampaignCounters] = [:]
    public private(set) var organicByPartition: [Int32: OrganicTotals] = [:]
    /// What the tables held before the batch, for the batch's campaigns and partitions (the overflow check).
    private var storedCounters: [CounterKey: CampaignCounters] = [:]
    private var storedOrganic: [Int32: OrganicTotals] = [:]

    /// The most one partition's row may hold: 64 partitions of it still fit 64 bits when summed.
    public static let partitionTotalLimit = Int64.max / 64

    public init() {}

    /// A batch's starting point: the customers it touches and those that may fall due during it,
    /// the touches its purchases may use (each customer's in time order, ties in the order applied),
    /// the orders already recorded, and the partitions' clocks.
    public init(
        customers: [CustomerRecord], touches: [UTF8Key: [Touch]], recordedOrders: Set<UTF8Key>,
        clocks: [Int32: Timestamp],
        storedCounters: [CounterKey: CampaignCounters] = [:], storedOrganic: [Int32: OrganicTotals] = [:]
    ) {
        self.storedCounters = storedCounters
        self.storedOrganic = storedOrganic
        for customer in customers {
            self.customers[customer.customerId.utf8Key] = customer
            enqueueIfDue(customer)
        }
        self.touches = touches
        orders = recordedOrders
        self.clocks = clocks
    }

    // MARK: Customers

    public func customer(_ customerId: String) -> CustomerRecord? { customers[customerId.utf8Key] }

    /// The customers the batch changed, in no particular order.
    public func changedCustomerRecords() -> [CustomerRecord] { changedCustomers.compactMap { customers[$0] } }

    mutating func save(_ customer: CustomerRecord) {
        let previous = customers.updateValue(customer, forKey: customer.customerId.utf8Key)
        guard customer != previous else { return }  // unchanged: nothing to write back
        changedCustomers.insert(customer.customerId.utf8Key)
        if customer.dueSince != previous?.dueSince || customer.partition != previous?.partition {
            enqueueIfDue(customer)
        }
    }

    private mutating func enqueueIfDue(_ customer: CustomerRecord) {
        guard let since = customer.dueSince else { return }
        due[customer.partition, default: MinHeap()].push(DueEntry(since: since, customerId: customer.customerId))
    }

    /// Buyers not at risk whose last activity is at or before `cutoff`, on `partition`, by id.
    mutating func inactiveCustomers(on partition: Int32, lastActiveAtOrBefore cutoff: Timestamp) -> [CustomerRecord] {
        var found: [CustomerRecord] = []
        var seen: Set<UTF8Key> = []
        while let top = due[partition]?.peek, top.since <= cutoff {
            due[partition]?.pop()
            // Entries left behind by a later change are skipped.
            guard let customer = customers[top.customerId.utf8Key], customer.partition == partition,
                customer.dueSince == top.since, seen.insert(customer.customerId.utf8Key).inserted
            else { continue }
            found.append(customer)
        }
        return found.sorted { $0.customerId.utf8Key < $1.customerId.utf8Key }
    }

    // MARK: Touches

    mutating func addTouch(_ touch: Touch, for customerId: String) {
        // In place: a customer's list is not copied for each touch.
        touches[customerId.utf8Key, default: []].insertInTimeOrder(touch)
        newTouches.append((customerId, touch))
    }

    /// A customer's touches, in time order (ties in the order applied).
    func touches(of customerId: String) -> [Touch] { touches[customerId.utf8Key] ?? [] }

    /// The latest touch at or before `time` and no more than `window` before it.
    func lastTouch(of customerId: String, atOrBefore time: Timestamp, window: Int64) -> Touch? {
        guard let touch = touches[customerId.utf8Key]?.last(where: { $0.at <= time }) else { return nil }
        return time.millisecondsSinceEpoch - touch.at.millisecondsSinceEpoch <= window ? touch : nil
    }

    // MARK: Orders

    /// Whether the order was seen before: stored, or recorded earlier in the batch.
    func hasRecorded(_ orderId: String) -> Bool { orders.contains(orderId.utf8Key) }

    /// Records an order the first time it is seen; false when it was seen before.
    mutating func record(_ order: RecordedOrder) -> Bool {
        guard orders.insert(order.orderId.utf8Key).inserted else { return false }
        newOrders.append(order)
        return true
    }

    // MARK: Counters

    mutating func count(_ change: (inout CampaignCounters) -> Void, campaignId: String, partition: Int32) {
        change(
            &countersByPartition[
                CounterKey(campaignId: campaignId, partition: partition),
                default: CampaignCounters(campaignId: campaignId)])
    }

    /// Whether adding `purchases` and `revenueMinor` (and one to `counter`) keeps a campaign's row on
    /// `partition` within `partitionTotalLimit`.
    func fits(campaignId: String?, partition: Int32, purchases: Int64, revenueMinor: Int64) -> Bool {
        func within(_ value: Int64) -> Bool { value >= 0 && value <= Self.partitionTotalLimit }
        if let campaignId {
            let key = CounterKey(campaignId: campaignId, partition: partition)
            let stored = storedCounters[key] ?? CampaignCounters(campaignId: campaignId)
            let added = countersByPartition[key] ?? CampaignCounters(campaignId: campaignId)
            guard
                let total = checkedSum(stored.revenueMinor, added.revenueMinor).flatMap({ checkedSum($0, revenueMinor) }
                )
            else { return false }
            return within(total) && within(stored.impressions + added.impressions + 1)
                && within(stored.clicks + added.clicks + 1)
                && within(stored.visits + added.visits + 1) && within(stored.signups + added.signups + 1)
                && within(stored.purchases + added.purchases + purchases + 1)
        }
        let stored = storedOrganic[partition] ?? OrganicTotals()
        let added = organicByPartition[partition] ?? OrganicTotals()
        guard let total = checkedSum(stored.revenueMinor, added.revenueMinor).flatMap({ checkedSum($0, revenueMinor) })
        else {
            return false
        }
        return within(total) && within(stored.purchases + added.purchases + purchases)
    }

    mutating func addOrganic(revenueMinor: Int64, partition: Int32) {
        organicByPartition[partition, default: OrganicTotals()].purchases += 1
        organicByPartition[partition, default: OrganicTotals()].revenueMinor += revenueMinor
    }

    /// A campaign's counters over every partition (in a batch: what the batch added).
    public func counters(_ campaignId: String) -> CampaignCounters? {
        let campaign = campaignId.utf8Key
        let parts = countersByPartition.filter { $0.key.campaign == campaign }.map(\.value)
        return parts.isEmpty ? nil : parts.dropFirst().reduce(parts[0], +)
    }

    /// Every campaign's counters over every partition, by campaign id.
    public func allCounters() -> [CampaignCounters] {
        Set(countersByPartition.keys.map(\.campaign)).sorted().compactMap { counters($0.string) }
    }

    /// Organic totals over every partition (in a batch: what the batch added).
    public var organic: OrganicTotals {
        organicByPartition.values.reduce(into: OrganicTotals()) {
            $0.purchases += $1.purchases
            $0.revenueMinor += $1.revenueMinor
        }
    }

    // MARK: Event clocks

    /// The newest `occurredAt` seen on a partition: the clock inactivity is measured against there.
    public func eventClock(partition: Int32 = 0) -> Timestamp? { clocks[partition] }

    public var clocksChanged: [(partition: Int32, clock: Timestamp)] {
        changedClocks.sorted().compactMap { partition in clocks[partition].map { (partition, $0) } }
    }

    mutating func advanceClock(of partition: Int32, to time: Timestamp) {
        guard clocks[partition].map({ time > $0 }) ?? true else { return }
        clocks[partition] = time
        changedClocks.insert(partition)
    }

    private struct DueEntry: Comparable, Sendable {
        let since: Timestamp
        let customerId: String
        static func < (a: DueEntry, b: DueEntry) -> Bool {
            (a.since, a.customerId.utf8Key) < (b.since, b.customerId.utf8Key)
        }
    }
}

extension Array where Element == Touch {
    /// Inserts after every touch at or before it: the list stays in time order, arrival order within an instant.
    mutating func insertInTimeOrder(_ touch: Touch) {
        insert(touch, at: lastIndex { $0.at <= touch.at }.map { $0 + 1 } ?? 0)
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
            let left = 2 * parent + 1
            let right = left + 1
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
