import TriadEvents

/// The part of finance's state one batch of events works on, in memory, and what the batch
/// changed. The service seeds it from its tables with every row the batch can touch and writes the
/// changes back; unit tests start it empty and keep using it.
public struct FinanceState: Sendable {
    // Keyed by bytes (`UTF8Key`), as the tables are: two spellings Unicode calls equivalent are two ids.
    private var accounts: [UTF8Key: CampaignAccount] = [:]
    private var quarters: [Quarter: QuarterBook] = [:]
    private var orders: Set<UTF8Key> = []

    public private(set) var changedAccounts: Set<UTF8Key> = []
    /// The accounts whose `credited` figures changed (a subset of `changedAccounts`).
    public private(set) var changedCredits: Set<UTF8Key> = []
    public private(set) var changedQuarters: Set<Quarter> = []
    public private(set) var newOrders: [String] = []

    public init() {}

    /// A batch's starting point: the accounts and quarters it can touch, and which of its attributed
    /// orders were counted before.
    public init(accounts: [CampaignAccount], quarters: [Quarter: QuarterBook], countedOrders: Set<UTF8Key>) {
        for account in accounts { self.accounts[account.campaignId.utf8Key] = account }
        self.quarters = quarters
        orders = countedOrders
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
