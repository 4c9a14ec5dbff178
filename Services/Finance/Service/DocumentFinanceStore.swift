import Finance
import TriadEvents
import TriadStorage

/// Finance's state in the service database, inside one transaction.
struct DocumentFinanceStore: FinanceStore {
    let transaction: DocumentTransaction

    init(_ transaction: DocumentTransaction) { self.transaction = transaction }

    func account(_ campaignId: String) -> CampaignAccount? {
        transaction.get(CampaignAccount.self, kind: "account", id: campaignId)
    }

    mutating func save(_ account: CampaignAccount) { transaction.put(account, kind: "account", id: account.campaignId) }

    func reservedMinor(in quarter: Quarter) -> Int64 {
        transaction.get(Int64.self, kind: "reserved", id: quarter.description) ?? 0
    }

    mutating func setReservedMinor(_ amount: Int64, in quarter: Quarter) {
        transaction.put(amount, kind: "reserved", id: quarter.description)
    }

    func quartersWithReservations() -> [Quarter] { transaction.ids(kind: "reserved").compactMap(Quarter.init) }

    mutating func recordAttributedOrder(_ orderId: String) -> Bool {
        transaction.insertMarker(kind: "attributed-order", id: orderId)
    }

    mutating func markRoiChanged(_ campaignId: String) { _ = transaction.insertMarker(kind: "roi-changed", id: campaignId) }

    mutating func takeRoiChanged() -> [String] { transaction.takeMarkers(kind: "roi-changed") }
}
