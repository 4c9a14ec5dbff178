import TriadEvents
import TriadStorage

/// `it_markov_shares`: the shares of the latest Markov computation (`MarkovTable`), a row per model
/// and campaign — model `markov` for the data-driven shares, a rule-based model's name for its
/// shares of the same window.
enum MarkovSharesTable {
    static let table = Table("it_markov_shares", key: 2, [.text("model"), .text("campaign_id"), .integer("bps")])

    /// The model name of the data-driven shares.
    static let markov = "markov"

    private static let model = table.field("model"), campaignId = table.field("campaign_id")
    private static let bps = table.field("bps")

    /// The data-driven shares and each rule-based model's, every list by campaign id.
    static func shares(in session: any SQLSession) throws -> (
        shares: [CampaignShare], ruleShares: [AttributionModel: [CampaignShare]]
    ) {
        var shares: [CampaignShare] = []
        var ruleShares: [AttributionModel: [CampaignShare]] = [:]
        for row in try table.all(in: session) {
            guard let name = row.text(Self.model), let campaignId = row.text(Self.campaignId),
                let bps = row.integer(Self.bps)
            else { continue }
            let share = CampaignShare(campaignId: campaignId, bps: bps)
            if name == markov {
                shares.append(share)
            } else if let model = AttributionModel(rawValue: name) {
                ruleShares[model, default: []].append(share)
            }
        }
        // The key order is the database's; the lists go out in byte order of campaign id.
        func sorted(_ list: [CampaignShare]) -> [CampaignShare] {
            list.sorted { $0.campaignId.utf8Key < $1.campaignId.utf8Key }
        }
        return (sorted(shares), ruleShares.mapValues(sorted))
    }

    /// Replaces every row with these shares.
    static func replace(
        shares: [CampaignShare], ruleShares: [AttributionModel: [CampaignShare]], in session: any SQLSession
    ) throws {
        _ = try session.query("DELETE FROM \(table.name)")
        let named = [(markov, shares)] + ruleShares.sorted { $0.key < $1.key }.map { ($0.key.rawValue, $0.value) }
        try table.insert(
            named.flatMap { name, list in list.map { [.text(name), .text($0.campaignId), .integer($0.bps)] } },
            in: session)
    }
}
