import TriadEvents
import TriadStorage

/// `it_markov`: the latest data-driven (Markov) computation — one row, its shares in
/// `it_markov_shares` (`MarkovSharesTable`).
public enum MarkovTable {
    static let table = Table(
        "it_markov",
        [
            .integer("id"), .integer("computed_at"), .integer("from_at"), .integer("to_at"), .integer("journeys"),
            .integer("conversions"),
        ])

    private static let computedAt = table.field("computed_at"), from = table.field("from_at")
    private static let to = table.field("to_at"), journeys = table.field("journeys")
    private static let conversions = table.field("conversions")

    /// The latest computation; nil before the first.
    public static func latest(in session: any SQLSession) throws -> AttributionMarkovComputed? {
        guard let row = try table.all(in: session).first, let computedAt = row.integer(Self.computedAt),
            let from = row.integer(Self.from), let to = row.integer(Self.to)
        else { return nil }
        let (shares, ruleShares) = try MarkovSharesTable.shares(in: session)
        return AttributionMarkovComputed(
            computedAt: Timestamp(millisecondsSinceEpoch: computedAt), from: Timestamp(millisecondsSinceEpoch: from),
            to: Timestamp(millisecondsSinceEpoch: to), journeys: row.integer(Self.journeys) ?? 0,
            conversions: row.integer(Self.conversions) ?? 0, shares: shares, ruleShares: ruleShares)
    }

    /// Records `computed` as the latest; true when its reading — journeys, conversions, shares, rule
    /// shares — differs from the one before (or it is the first). A window that only moved (the
    /// times) is recorded too, so reads show the latest, but returns false: nothing to announce.
    public static func record(_ computed: AttributionMarkovComputed, in session: any SQLSession) throws -> Bool {
        var changed = true
        if var before = try latest(in: session) {
            (before.computedAt, before.from, before.to) = (computed.computedAt, computed.from, computed.to)
            changed = before != computed
        }
        try table.insert(
            [
                [
                    .integer(1), .integer(computed.computedAt.millisecondsSinceEpoch),
                    .integer(computed.from.millisecondsSinceEpoch), .integer(computed.to.millisecondsSinceEpoch),
                    .integer(computed.journeys), .integer(computed.conversions),
                ]
            ], onConflict: .replace, in: session)
        if changed {
            try MarkovSharesTable.replace(shares: computed.shares, ruleShares: computed.ruleShares, in: session)
        }
        return changed
    }
}
