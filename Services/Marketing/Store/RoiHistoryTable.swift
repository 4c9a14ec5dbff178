import Marketing
import TriadEvents
import TriadStorage

/// `mkt_roi_history`: each campaign's latest ROI reports (`RoiPoint.historyLimit`), for the trend line.
enum RoiHistoryTable {
    static let table = Table(
        "mkt_roi_history", key: 2, [.text("campaign_id"), .integer("reported_at"), .integer("roi_bps")])

    private static let campaignId = table.field("campaign_id"), reportedAt = table.field("reported_at")
    private static let roi = table.field("roi_bps")

    static func save(_ state: MarketingState, in session: any SQLSession) throws {
        try table.insert(
            state.newRoiPoints.map {
                [.text($0.campaignId), .integer($0.point.at.millisecondsSinceEpoch), .integer($0.point.roiBps)]
            },
            onConflict: .replace, in: session)
        // Only the newest points of each campaign stay.
        for campaignId in state.newRoiPoints.map(\.campaignId).distinctInByteOrder() {
            try session.query(
                """
                DELETE FROM mkt_roi_history WHERE campaign_id = ? AND reported_at < (SELECT MIN(reported_at) FROM
                (SELECT reported_at FROM mkt_roi_history WHERE campaign_id = ? ORDER BY reported_at DESC LIMIT ?) AS newest)
                """, [.text(campaignId), .text(campaignId), .integer(Int64(RoiPoint.historyLimit))])
        }
    }

    static func trends(in session: any SQLSession) throws -> [UTF8Key: [RoiPoint]] {
        var trends: [UTF8Key: [RoiPoint]] = [:]
        for row in try table.all(in: session) {
            guard let id = row.text(Self.campaignId), let at = row.integer(Self.reportedAt),
                let roi = row.integer(Self.roi)
            else { continue }
            trends[id.utf8Key, default: []].append(RoiPoint(at: Timestamp(millisecondsSinceEpoch: at), roiBps: roi))
        }
        return trends
    }
}
