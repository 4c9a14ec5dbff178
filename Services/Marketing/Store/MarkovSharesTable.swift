import Marketing
import TriadEvents
import TriadStorage

/// `mkt_markov_shares`: the shares of IT's latest data-driven attribution (`model` = `markov`,
/// `Briefing.DataDriven.model`) and each rule-based model's shares of the same window (`model` = its name).
enum MarkovSharesTable {
    static let table = Table("mkt_markov_shares", key: 2, [.text("model"), .text("campaign_id"), .integer("bps")])

    private static let model = table.field("model"), campaignId = table.field("campaign_id")
    private static let bps = table.field("bps")

    /// Replaces every share with the reading's.
    static func save(_ computed: AttributionMarkovComputed, in session: any SQLSession) throws {
        try table.delete([Briefing.DataDriven.model] + AttributionModel.allCases.map(\.rawValue), in: session)
        let lists =
            [(Briefing.DataDriven.model, computed.shares)]
            + computed.ruleShares.sorted { $0.key < $1.key }.map { ($0.rawValue, $1) }
        try table.insert(
            lists.flatMap { name, shares in
                shares.map { [.text(name), .text($0.campaignId), .integer($0.bps)] }
            }, in: session)
    }

    /// Every model's shares, by its name in the `model` column, each sorted by campaign id (by bytes).
    static func all(in session: any SQLSession) throws -> [String: [CampaignShare]] {
        var shares: [String: [CampaignShare]] = [:]
        for row in try table.all(in: session) {
            guard let name = row.text(Self.model), let id = row.text(Self.campaignId), let bps = row.integer(Self.bps)
            else { continue }
            shares[name, default: []].append(CampaignShare(campaignId: id, bps: bps))
        }
        return shares.mapValues { $0.sorted { $0.campaignId.utf8Key < $1.campaignId.utf8Key } }
    }
}
