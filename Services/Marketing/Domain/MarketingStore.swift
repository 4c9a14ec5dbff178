import TriadEvents

/// Where marketing keeps its state: in memory for the unit tests of the rules; in the service, a
/// document store over SQLite or PostgreSQL (marketing-service's DocumentMarketingStore).
public protocol MarketingStore {
    func campaign(_ id: String) -> Campaign?
    mutating func save(_ campaign: Campaign)
    func allCampaigns() -> [Campaign]

    /// The latest ROI report from finance, by campaign (kept even before the campaign is known).
    func roi(_ campaignId: String) -> RoiReported?
    mutating func save(_ roi: RoiReported)

    /// The latest performance counters from IT, by campaign.
    func performance(_ campaignId: String) -> CampaignPerformanceReported?
    mutating func save(_ performance: CampaignPerformanceReported)

    /// Records a customer at churn risk; false when already counted.
    mutating func recordChurnRisk(customerId: String, segment: String) -> Bool
    func churnRiskBySegment() -> [String: Int64]
}

/// Marketing state in memory, for unit tests of the rules.
public struct InMemoryMarketingStore: MarketingStore, Sendable {
    private var campaigns: [String: Campaign] = [:]
    private var rois: [String: RoiReported] = [:]
    private var performances: [String: CampaignPerformanceReported] = [:]
    private var churn: [String: String] = [:]

    public init() {}

    public func campaign(_ id: String) -> Campaign? { campaigns[id] }

    public mutating func save(_ campaign: Campaign) {
        campaigns[campaign.id] = campaign
    }

    public func allCampaigns() -> [Campaign] { campaigns.values.sorted { $0.id < $1.id } }

    public func roi(_ campaignId: String) -> RoiReported? { rois[campaignId] }
    public mutating func save(_ roi: RoiReported) { rois[roi.campaignId] = roi }

    public func performance(_ campaignId: String) -> CampaignPerformanceReported? { performances[campaignId] }
    public mutating func save(_ performance: CampaignPerformanceReported) {
        performances[performance.campaignId] = performance
    }

    public mutating func recordChurnRisk(customerId: String, segment: String) -> Bool {
        churn.updateValue(segment, forKey: customerId) == nil
    }

    public func churnRiskBySegment() -> [String: Int64] {
        churn.values.reduce(into: [:]) { counts, segment in counts[segment, default: 0] += 1 }
    }
}
