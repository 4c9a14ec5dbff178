import Marketing
import TriadEvents
import TriadStorage

/// The executive briefing, read from every table marketing keeps.
public enum BriefingQuery {
    public static func briefing(policy: BriefingPolicy, currency: String, in session: any SQLSession) throws -> Briefing
    {
        let rois = try RoiTable.all(in: session)
        let performances = try PerformanceTable.all(in: session)
        let trends = try RoiHistoryTable.trends(in: session)
        return try Briefing.make(
            campaigns: try CampaignsTable.all(in: session), roi: { rois[$0.utf8Key] },
            performance: { performances[$0.utf8Key] },
            roiTrend: { trends[$0.utf8Key] ?? [] }, churnRiskBySegment: try ChurnRiskTable.countBySegment(in: session),
            churnFlows: try ChurnFlowTable.newestQuarter(in: session),
            envelopes: try EnvelopesTable.envelopes(in: session), markov: try MarkovTable.latest(in: session),
            policy: policy, currency: currency)
    }
}
