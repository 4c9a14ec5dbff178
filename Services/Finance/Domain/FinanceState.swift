import TriadEvents

/// The part of finance's state one batch of events works on, in memory, and what the batch
/// changed. The service seeds it from its tables with every row the batch can touch and writes the
/// changes back; unit tests start it empty and keep using it.
public struct FinanceState: Sendable {
    private var accounts: [String: CampaignAccount] = [:]
    private var reserved: [Quarter: Int64] = [:]
    private var orders: Set<String> = []

    public private(set) var changedAccounts: Set<String> = []
    public private(set) var changedQuarters: Set<Quarter> = []
    public private(set) var newOrders: [String] = []

    public init() {}

    /// A batch's starting point: the accounts and quarters it can touch, and which of its attributed
    /// orders were counted before.
    public init(accounts: [CampaignAccount], reserved: [Quarter: Int64], countedOrders: Set<String>) {
        for account in accounts { self.accounts[account.campaignId] = account }
        self.reserved = reserved
        orders = countedOrders
    }

    public func account(_ campaignId: String) -> CampaignAccount? { accounts[campaignId] }

    mutating func save(_ account: CampaignAccount) {
        accounts[account.campaignId] = account
        changedAccounts.insert(account.campaignId)
    }

    public func changedAccountRecords() -> [CampaignAccount] { changedAccounts.sorted().compactMap { accounts[$0] } }

    /// Net amount approvals reserved from a quarter's envelope.
    public func reservedMinor(in quarter: Quarter) -> Int64 { reserved[quarter] ?? 0 }

    mutating func setReservedMinor(_ amount: Int64, in quarter: Quarter) {
        reserved[quarter] = amount
        changedQuarters.insert(quarter)
    }

    public func quartersWithReservations() -> [Quarter] { reserved.keys.sorted() }

    /// Remembers an attributed order; false when it was counted before.
    mutating func recordAttributedOrder(_ orderId: String) -> Bool {
        guard orders.insert(orderId).inserted else { return false }
        newOrders.append(orderId)
        return true
    }
}
