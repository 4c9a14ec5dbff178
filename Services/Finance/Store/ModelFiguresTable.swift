import Finance
import TriadEvents
import TriadStorage

/// Figures per campaign and attribution model, one row each (revenue in minor units, conversions in
/// basis points of an order): `fin_model_credits` holds what each model credited a campaign's account
/// with, `fin_roi_reported_models` what the campaign's last ROI report said under each model.
struct ModelFiguresTable: Sendable {
    /// Beside `fin_accounts`: written while the account's row is locked.
    static let credited = ModelFiguresTable("fin_model_credits")
    /// Beside `fin_roi_reported`.
    static let reported = ModelFiguresTable("fin_roi_reported_models")

    typealias Figures = [UTF8Key: [AttributionModel: CreditedFigures]]

    let table: Table
    private let campaignId: Field, model: Field, revenue: Field, conversions: Field

    private init(_ name: String) {
        table = Table(
            name, key: 2,
            [.text("campaign_id"), .text("model"), .integer("revenue_minor"), .integer("conversions_bps")])
        campaignId = table.field("campaign_id")
        model = table.field("model")
        revenue = table.field("revenue_minor")
        conversions = table.field("conversions_bps")
    }

    // MARK: Reads

    /// The figures of `campaignIds`, or of every campaign, by campaign; a row that does not read back
    /// is set aside in `unreadable`, by campaign.
    func figures(of campaignIds: [String]?, in session: any SQLSession, unreadable: inout UnreadableRows) throws
        -> Figures
    {
        let rows = try campaignIds.map { try table.rows($0, in: session) } ?? table.all(in: session)
        var figures: Figures = [:]
        for (id, model, figure) in unreadable.read(rows, of: table, with: read) {
            figures[id.utf8Key, default: [:]][model] = figure
        }
        return figures
    }

    /// The figures of `campaignIds`, or of every campaign; a row that does not read back is an error.
    func figures(of campaignIds: [String]?, in session: any SQLSession) throws -> Figures {
        var unreadable = UnreadableRows()
        let figures = try figures(of: campaignIds, in: session, unreadable: &unreadable)
        if let (id, problem) = unreadable.problems.min(by: { $0.key < $1.key }) {
            throw StorageError("\(table.name) rows of \(id.string) do not read back: \(problem)")
        }
        return figures
    }

    /// `accounts` with what each model credited them with; `every`: they are every account (one scan).
    static func withCredits(_ accounts: [CampaignAccount], every: Bool = false, in session: any SQLSession) throws
        -> [CampaignAccount]
    {
        let figures = try credited.figures(of: every ? nil : accounts.map(\.campaignId), in: session)
        return accounts.map { account in
            var account = account
            account.credited = figures[account.campaignId.utf8Key] ?? [:]
            return account
        }
    }

    // MARK: Writes

    /// Writes every model's figures of each campaign as whole rows.
    func save(
        _ figures: [(campaignId: String, figures: [AttributionModel: CreditedFigures])], in session: any SQLSession
    )
        throws
    {
        try table.insert(
            figures.flatMap { campaign in
                campaign.figures.sorted { $0.key < $1.key }.map { model, figure -> [SQLValue] in
                    [
                        .text(campaign.campaignId), .text(model.rawValue), .integer(figure.revenueMinor),
                        .integer(figure.conversionsBps),
                    ]
                }
            }, onConflict: .replace, in: session)
    }

    // MARK: Rows

    private func read(_ row: SQLRow) throws -> (String, AttributionModel, CreditedFigures) {
        guard let id = row.text(campaignId) else {
            throw StorageError("\(table.name) holds a row without a campaign id")
        }
        guard let attribution = row.text(model).flatMap(AttributionModel.init(rawValue:)) else {
            throw StorageError("\(table.name) row \(id) holds an unknown model \(row.value(model))")
        }
        return (
            id, attribution,
            CreditedFigures(revenueMinor: row.integer(revenue) ?? 0, conversionsBps: row.integer(conversions) ?? 0)
        )
    }
}
