import Marketing
import TriadEvents
import TriadStorage

/// `mkt_markov`: IT's latest data-driven attribution, one row (its shares: `MarkovSharesTable`).
enum MarkovTable {
    static let table = Table(
        "mkt_markov",
        [
            .text("subject"), .integer("computed_at"), .integer("from_at"), .integer("to_at"), .integer("journeys"),
            .integer("conversions"),
        ])

    private static let computedAt = table.field("computed_at"), from = table.field("from_at")
    private static let to = table.field("to_at"), journeys = table.field("journeys")
    private static let conversions = table.field("conversions")

    /// The stored reading with its shares; with `locking`, locked until the transaction ends (`Table.rows`).
    static func latest(locking: Bool = false, in session: any SQLSession) throws -> AttributionMarkovComputed? {
        guard let row = try table.rows([AttributionMarkovComputed.key], locking: locking, in: session).first,
            let computedAt = row.integer(Self.computedAt), let from = row.integer(Self.from),
            let to = row.integer(Self.to)
        else { return nil }
        var shares = try MarkovSharesTable.all(in: session)
        return AttributionMarkovComputed(
            computedAt: Timestamp(millisecondsSinceEpoch: computedAt), from: Timestamp(millisecondsSinceEpoch: from),
            to: Timestamp(millisecondsSinceEpoch: to), journeys: row.integer(Self.journeys) ?? 0,
            conversions: row.integer(Self.conversions) ?? 0,
            shares: shares.removeValue(forKey: Briefing.DataDriven.model) ?? [],
            ruleShares: Dictionary(
                uniqueKeysWithValues: shares.compactMap { name, list in
                    AttributionModel(rawValue: name).map { ($0, list) }
                }
            ))
    }

    /// Writes the state's reading when it changed, replacing the one stored.
    static func save(_ state: MarketingState, in session: any SQLSession) throws {
        guard state.changedMarkov, let markov = state.markov else { return }
        try table.insert(
            [
                [.text(AttributionMarkovComputed.key)]
                    + [
                        markov.computedAt.millisecondsSinceEpoch, markov.from.millisecondsSinceEpoch,
                        markov.to.millisecondsSinceEpoch, markov.journeys, markov.conversions,
                    ].map { .integer($0) }
            ], onConflict: .replace, in: session)
        try MarkovSharesTable.save(markov, in: session)
    }
}
