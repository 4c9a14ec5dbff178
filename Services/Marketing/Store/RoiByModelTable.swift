import Marketing
import TriadEvents
import TriadStorage

/// `mkt_roi_by_model`: the latest ROI report's revenue and conversions under each attribution model,
/// by campaign (none for a report that names no model); ROI and ROAS follow from the report's spend.
enum RoiByModelTable {
    static let table = Table(
        "mkt_roi_by_model", key: 2,
        [.text("campaign_id"), .text("model"), .integer("revenue_minor"), .integer("conversions_bps")])

    private static let campaignId = table.field("campaign_id"), model = table.field("model")
    private static let revenue = table.field("revenue_minor"), conversions = table.field("conversions_bps")

    /// A campaign's figures under one model, as stored.
    struct Figures {
        let revenueMinor: Int64
        let conversionsBps: Int64
    }

    /// Replaces the rows of each report's campaign with the report's models.
    static func save(_ reports: [RoiReported], in session: any SQLSession) throws {
        guard !reports.isEmpty else { return }
        try table.delete(reports.map(\.campaignId), in: session)
        try table.insert(
            reports.flatMap { report in
                (report.byModel ?? [:]).sorted { $0.key < $1.key }.map { model, figures in
                    [
                        .text(report.campaignId), .text(model.rawValue), .integer(figures.revenue.amountMinor),
                        .integer(figures.conversionsBps),
                    ]
                }
            }, in: session)
    }

    static func all(in session: any SQLSession) throws -> [UTF8Key: [AttributionModel: Figures]] {
        var figures: [UTF8Key: [AttributionModel: Figures]] = [:]
        for row in try table.all(in: session) {
            guard let id = row.text(Self.campaignId), let model = row.text(Self.model).flatMap(AttributionModel.init),
                let revenue = row.integer(Self.revenue), let conversions = row.integer(Self.conversions)
            else { continue }
            figures[id.utf8Key, default: [:]][model] = Figures(revenueMinor: revenue, conversionsBps: conversions)
        }
        return figures
    }
}
