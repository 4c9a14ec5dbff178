import Marketing
import TriadEvents
import TriadStorage

/// The executive briefing, read from every table marketing keeps in three parts that need not share
/// a snapshot: the campaigns with their latest reports, IT's insights, finance's planning.
public enum BriefingQuery {
    /// The briefing read in one session.
    public static func briefing(policy: BriefingPolicy, currency: String, in session: any SQLSession) throws -> Briefing
    {
        try make(try Campaigns(session), try Insights(session), try Planning(session), policy, currency)
    }

    /// The briefing with its parts read side by side where statements are round trips
    /// (`Database.read(_:_:_:)`).
    public static func briefing(policy: BriefingPolicy, currency: String, from database: any Database) async throws
        -> Briefing
    {
        let (campaigns, insights, planning) = try await database.read(
            { try Campaigns($0) }, { try Insights($0) }, { try Planning($0) })
        return try make(campaigns, insights, planning, policy, currency)
    }

    private static func make(
        _ campaigns: Campaigns, _ insights: Insights, _ planning: Planning, _ policy: BriefingPolicy,
        _ currency: String
    ) throws -> Briefing {
        try Briefing.make(
            campaigns: campaigns.all, roi: { campaigns.rois[$0.utf8Key] },
            performance: { campaigns.performances[$0.utf8Key] }, roiTrend: { insights.trends[$0.utf8Key] ?? [] },
            churnRiskBySegment: insights.churnRisk, churnFlows: insights.churnFlows, envelopes: planning.envelopes,
            markov: insights.markov, reallocations: planning.reallocations, acquisitions: planning.acquisitions,
            policy: policy, currency: currency)
    }

    /// The campaigns and finance's and IT's latest report on each.
    private struct Campaigns: Sendable {
        let all: [Campaign]
        let rois: [UTF8Key: RoiReported]
        let performances: [UTF8Key: CampaignPerformanceReported]

        init(_ session: any SQLSession) throws {
            all = try CampaignsTable.all(in: session)
            rois = try RoiTable.all(in: session)
            performances = try PerformanceTable.all(in: session)
        }
    }

    /// The ROI trends, the customers at churn risk and IT's data-driven attribution.
    private struct Insights: Sendable {
        let trends: [UTF8Key: [RoiPoint]]
        let churnRisk: [UTF8Key: Int64]
        let churnFlows: [ChurnFlowKey: ChurnFlow]
        let markov: AttributionMarkovComputed?

        init(_ session: any SQLSession) throws {
            trends = try RoiHistoryTable.trends(in: session)
            churnRisk = try ChurnRiskCountsTable.bySegment(in: session)
            churnFlows = try ChurnFlowTable.newestQuarter(in: session)
            markov = try MarkovTable.latest(in: session)
        }
    }

    /// Finance's envelopes, reallocation proposals and acquisition figures.
    private struct Planning: Sendable {
        let envelopes: [EnvelopeChanged]
        let reallocations: [ReallocationProposed]
        let acquisitions: [AcquisitionReported]

        init(_ session: any SQLSession) throws {
            envelopes = try EnvelopesTable.envelopes(in: session)
            reallocations = try ReallocationsTable.proposals(in: session)
            acquisitions = try AcquisitionsTable.reports(in: session)
        }
    }
}
