import TriadEvents

/// The part of marketing's state a batch of events (or one HTTP command) works on, in memory, and
/// what it changed. The service seeds it from its tables and writes the changes back; unit tests
/// start it empty and keep using it.
public struct MarketingState: Sendable {
    private var campaigns: [String: Campaign] = [:]
    private var rois: [String: RoiReported] = [:]
    private var performances: [String: CampaignPerformanceReported] = [:]
    private var churn: [String: String] = [:]

    public private(set) var changedCampaigns: Set<String> = []
    public private(set) var changedRois: Set<String> = []
    public private(set) var changedPerformances: Set<String> = []
    public private(set) var newChurnRisks: [(customerId: String, segment: String)] = []

    public init() {}

    /// A starting point: the campaigns it can touch and the customers already counted at churn risk.
    public init(campaigns: [Campaign], churnRisks: [String: String] = [:]) {
        for campaign in campaigns { self.campaigns[campaign.id] = campaign }
        churn = churnRisks
    }

    public func campaign(_ id: String) -> Campaign? { campaigns[id] }

    public mutating func save(_ campaign: Campaign) {
        campaigns[campaign.id] = campaign
        changedCampaigns.insert(campaign.id)
    }

    public func allCampaigns() -> [Campaign] { campaigns.values.sorted { $0.id < $1.id } }

    public func changedCampaignRecords() -> [Campaign] { changedCampaigns.sorted().compactMap { campaigns[$0] } }

    /// The latest ROI report from finance, by campaign (kept even before the campaign is known).
    public func roi(_ campaignId: String) -> RoiReported? { rois[campaignId] }

    mutating func save(_ roi: RoiReported) {
        rois[roi.campaignId] = roi
        changedRois.insert(roi.campaignId)
    }

    public func changedRoiRecords() -> [RoiReported] { changedRois.sorted().compactMap { rois[$0] } }

    /// The latest performance counters from IT, by campaign.
    public func performance(_ campaignId: String) -> CampaignPerformanceReported? { performances[campaignId] }

    mutating func save(_ performance: CampaignPerformanceReported) {
        performances[performance.campaignId] = performance
        changedPerformances.insert(performance.campaignId)
    }

    public func changedPerformanceRecords() -> [CampaignPerformanceReported] {
        changedPerformances.sorted().compactMap { performances[$0] }
    }

    /// Records a customer at churn risk; false when already counted.
    mutating func recordChurnRisk(customerId: String, segment: String) -> Bool {
        guard churn[customerId] == nil else { return false }
        churn[customerId] = segment
        newChurnRisks.append((customerId, segment))
        return true
    }

    public func churnRiskBySegment() -> [String: Int64] {
        churn.values.reduce(into: [:]) { counts, segment in counts[segment, default: 0] += 1 }
    }
}
