import TriadEvents

/// Where finance keeps its state: in memory for the unit tests of the rules; in the service, a
/// document store over SQLite or PostgreSQL (finance-service's DocumentFinanceStore), one transaction
/// per batch of events.
public protocol FinanceStore {
    func account(_ campaignId: String) -> CampaignAccount?
    mutating func save(_ account: CampaignAccount)

    /// Net amount approvals reserved from a quarter's envelope.
    func reservedMinor(in quarter: Quarter) -> Int64
    mutating func setReservedMinor(_ amount: Int64, in quarter: Quarter)
    func quartersWithReservations() -> [Quarter]

    /// Remembers an attributed order; false when it was counted before.
    mutating func recordAttributedOrder(_ orderId: String) -> Bool

    /// Campaigns whose ROI figures changed since the last report.
    mutating func markRoiChanged(_ campaignId: String)
    mutating func takeRoiChanged() -> [String]
}

/// Finance state in memory, for unit tests of the rules.
public struct InMemoryFinanceStore: FinanceStore, Sendable {
    private var accounts: [String: CampaignAccount] = [:]
    private var reserved: [Quarter: Int64] = [:]
    private var orders: Set<String> = []
    private var roiChanged: [String] = []
    private var roiChangedSet: Set<String> = []

    public init() {}

    public func account(_ campaignId: String) -> CampaignAccount? { accounts[campaignId] }
    public mutating func save(_ account: CampaignAccount) { accounts[account.campaignId] = account }

    public func reservedMinor(in quarter: Quarter) -> Int64 { reserved[quarter] ?? 0 }
    public mutating func setReservedMinor(_ amount: Int64, in quarter: Quarter) { reserved[quarter] = amount }
    public func quartersWithReservations() -> [Quarter] { reserved.keys.sorted() }

    public mutating func recordAttributedOrder(_ orderId: String) -> Bool { orders.insert(orderId).inserted }

    public mutating func markRoiChanged(_ campaignId: String) {
        if roiChangedSet.insert(campaignId).inserted { roiChanged.append(campaignId) }
    }

    public mutating func takeRoiChanged() -> [String] {
        defer {
            roiChanged = []
            roiChangedSet = []
        }
        return roiChanged
    }
}
