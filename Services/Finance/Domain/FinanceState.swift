import TriadEvents

/// The part of finance's state one batch of events works on, in memory, and what the batch
/// changed. The service seeds it from its tables with every row the batch can touch and writes the
/// changes back; unit tests start it empty and keep using it.
public struct FinanceState: Sendable {
    // Keyed by bytes (`UTF8Key`), as the tables are: two spellings Unicode calls equivalent are two ids.
    private var accounts: [UTF8Key: CampaignAccount] = [:]
    private var quarters: [Quarter: QuarterBook] = [:]
    private var orders: Set<UTF8Key> = []
    private var customers: Set<UTF8Key> = []
    /// The stored figures by event time the batch adds to (for the overflow check).
    private var storedWeeks: [PartitionKey<ChannelWeekKey>: WeekFigures] = [:]
    private var storedQuarters: [PartitionKey<QuarterChannelKey>: QuarterFigures] = [:]

    /// The last-touch response curve of each channel the batch's plans name (a channel without
    /// enough history is absent): what a budget decision projects from.
    public var curves: [Channel: ResponseCurve] = [:]

    public private(set) var changedAccounts: Set<UTF8Key> = []
    /// The accounts whose `credited` figures changed (a subset of `changedAccounts`).
    public private(set) var changedCredits: Set<UTF8Key> = []
    public private(set) var changedQuarters: Set<Quarter> = []
    public private(set) var newOrders: [String] = []
    /// What the batch adds to each channel's weeks and quarters of event time (written as increments).
    public private(set) var weekDeltas: [PartitionKey<ChannelWeekKey>: WeekFigures] = [:]
    public private(set) var quarterDeltas: [PartitionKey<QuarterChannelKey>: QuarterFigures] = [:]

    public init() {}

    /// A batch's starting point: the accounts and quarters it can touch, which of its attributed
    /// orders and acquired customers were counted before, and the stored figures by event time of the
    /// weeks and quarters its events fall in.
    public init(
        accounts: [CampaignAccount], quarters: [Quarter: QuarterBook], countedOrders: Set<UTF8Key>,
        countedCustomers: Set<UTF8Key> = [], weeks: [PartitionKey<ChannelWeekKey>: WeekFigures] = [:],
        quarterFigures: [PartitionKey<QuarterChannelKey>: QuarterFigures] = [:]
    ) {
        for account in accounts { self.accounts[account.campaignId.utf8Key] = account }
        self.quarters = quarters
        orders = countedOrders
        customers = countedCustomers
        storedWeeks = weeks
        storedQuarters = quarterFigures
    }

    public func account(_ campaignId: String) -> CampaignAccount? { accounts[campaignId.utf8Key] }

    /// Keeps a changed account; `credited`: its credited figures changed too.
    mutating func save(_ account: CampaignAccount, credited: Bool = false) {
        accounts[account.campaignId.utf8Key] = account
        changedAccounts.insert(account.campaignId.utf8Key)
        if credited { changedCredits.insert(account.campaignId.utf8Key) }
    }

    /// The accounts the batch changed, in byte order of their ids (the tables' lock order).
    public func changedAccountRecords() -> [CampaignAccount] { changedAccounts.sorted().compactMap { accounts[$0] } }

    /// The accounts whose credited figures the batch changed, in byte order of their ids.
    public func changedCreditRecords() -> [CampaignAccount] { changedCredits.sorted().compactMap { accounts[$0] } }

    /// What a quarter's envelope holds: reserved, given back, and how often it changed.
    public func book(of quarter: Quarter) -> QuarterBook { quarters[quarter] ?? QuarterBook() }

    /// Net amount approvals reserved from a quarter's envelope.
    public func reservedMinor(in quarter: Quarter) -> Int64 { book(of: quarter).reservedMinor }

    /// Records a change of a quarter's reservations; its revision goes up by one.
    mutating func change(_ quarter: Quarter, reservedMinor: Int64, releasedMinor: Int64) -> QuarterBook {
        let book = QuarterBook(
            reservedMinor: reservedMinor, releasedMinor: releasedMinor, revision: book(of: quarter).revision + 1)
        quarters[quarter] = book
        changedQuarters.insert(quarter)
        return book
    }

    public func quartersWithReservations() -> [Quarter] { quarters.keys.sorted() }

    /// Remembers an attributed order; false when it was counted before.
    mutating func recordAttributedOrder(_ orderId: String) -> Bool {
        guard orders.insert(orderId.utf8Key).inserted else { return false }
        newOrders.append(orderId)
        return true
    }

    /// Remembers an acquired customer; false when they were counted before.
    mutating func recordAcquiredCustomer(_ customerId: String) -> Bool {
        customers.insert(customerId.utf8Key).inserted
    }

    // MARK: Figures by event time

    /// A channel's week on a partition as stored plus what the batch added.
    public func week(_ key: PartitionKey<ChannelWeekKey>) -> WeekFigures {
        let stored = storedWeeks[key] ?? WeekFigures()
        let added = weekDeltas[key] ?? WeekFigures()
        return WeekFigures(
            spendMinor: stored.spendMinor &+ added.spendMinor,
            revenueMinor: stored.revenueMinor.merging(added.revenueMinor, uniquingKeysWith: &+))
    }

    /// A channel's quarter on a partition as stored plus what the batch added.
    public func quarterFigures(_ key: PartitionKey<QuarterChannelKey>) -> QuarterFigures {
        let stored = storedQuarters[key] ?? QuarterFigures()
        let added = quarterDeltas[key] ?? QuarterFigures()
        return QuarterFigures(
            spendMinor: stored.spendMinor &+ added.spendMinor, revenueMinor: stored.revenueMinor &+ added.revenueMinor,
            orders: stored.orders &+ added.orders, newCustomers: stored.newCustomers &+ added.newCustomers)
    }

    /// Adds to a channel's week (the ledger checked the sums).
    mutating func add(_ figures: WeekFigures, to key: PartitionKey<ChannelWeekKey>) {
        var delta = weekDeltas[key] ?? WeekFigures()
        delta.spendMinor += figures.spendMinor
        delta.revenueMinor.merge(figures.revenueMinor, uniquingKeysWith: +)
        weekDeltas[key] = delta
    }

    /// Adds to a channel's quarter (the ledger checked the sums).
    mutating func add(_ figures: QuarterFigures, to key: PartitionKey<QuarterChannelKey>) {
        var delta = quarterDeltas[key] ?? QuarterFigures()
        delta.spendMinor += figures.spendMinor
        delta.revenueMinor += figures.revenueMinor
        delta.orders += figures.orders
        delta.newCustomers += figures.newCustomers
        quarterDeltas[key] = delta
    }
}

/// One quarter's envelope as finance keeps it.
public struct QuarterBook: Sendable, Equatable {
    /// Held by approved campaigns: approvals less what completions gave back.
    public var reservedMinor: Int64
    /// Given back by completed campaigns.
    public var releasedMinor: Int64
    /// Changes so far (each approval or release is one).
    public var revision: Int64

    public init(reservedMinor: Int64 = 0, releasedMinor: Int64 = 0, revision: Int64 = 0) {
        self.reservedMinor = reservedMinor
        self.releasedMinor = releasedMinor
        self.revision = revision
    }
}
