import Marketing
import TriadEvents
import TriadStorage

/// Marketing's state in the service database, inside one transaction.
struct DocumentMarketingStore: MarketingStore {
    let transaction: DocumentTransaction

    init(_ transaction: DocumentTransaction) { self.transaction = transaction }

    func campaign(_ id: String) -> Campaign? { transaction.get(Campaign.self, kind: "campaign", id: id) }

    mutating func save(_ campaign: Campaign) { transaction.put(campaign, kind: "campaign", id: campaign.id) }

    func allCampaigns() -> [Campaign] { transaction.all(Campaign.self, kind: "campaign") }

    func roi(_ campaignId: String) -> RoiReported? { transaction.get(RoiReported.self, kind: "roi", id: campaignId) }

    mutating func save(_ roi: RoiReported) { transaction.put(roi, kind: "roi", id: roi.campaignId) }

    func performance(_ campaignId: String) -> CampaignPerformanceReported? {
        transaction.get(CampaignPerformanceReported.self, kind: "performance", id: campaignId)
    }

    mutating func save(_ performance: CampaignPerformanceReported) {
        transaction.put(performance, kind: "performance", id: performance.campaignId)
    }

    mutating func recordChurnRisk(customerId: String, segment: String) -> Bool {
        guard transaction.insertMarker(kind: "churn-risk", id: customerId) else { return false }
        transaction.put(segment, kind: "churn-segment", id: customerId)
        return true
    }

    func churnRiskBySegment() -> [String: Int64] {
        transaction.all(String.self, kind: "churn-segment").reduce(into: [:]) { counts, segment in
            counts[segment, default: 0] += 1
        }
    }
}
