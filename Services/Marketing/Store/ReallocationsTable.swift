import Marketing
import TriadEvents
import TriadStorage

/// `mkt_reallocations`: finance's latest proposal for each quarter (its channels:
/// `ReallocationChannelsTable`); a proposal replaces the row only with a higher revision, so copies
/// arriving late or out of order change nothing.
enum ReallocationsTable {
    static let table = Table(
        "mkt_reallocations",
        [.text("quarter"), .text("model"), .integer("envelope_minor"), .text("currency"), .integer("revision")])

    private static let quarter = table.field("quarter"), model = table.field("model")
    private static let envelope = table.field("envelope_minor"), currency = table.field("currency")
    private static let revision = table.field("revision")

    static func save(_ state: MarketingState, in session: any SQLSession) throws {
        let proposals = state.changedReallocations.sorted().compactMap(state.reallocation)
        guard !proposals.isEmpty else { return }
        try table.insert(
            proposals.map { p in
                [
                    .text(p.quarter.description), .text(p.model.rawValue), .integer(p.envelope.amountMinor),
                    .text(p.envelope.currency), .integer(p.revision),
                ]
            }, onConflict: .replaceWhere("excluded.revision > mkt_reallocations.revision"), in: session)
        try ReallocationChannelsTable.save(proposals, in: session)
    }

    /// Every quarter's proposal, or those of `quarters` only.
    static func proposals(of quarters: [Quarter]? = nil, in session: any SQLSession) throws -> [ReallocationProposed] {
        let rows = try quarters.map { try table.rows($0.map(\.description), in: session) } ?? table.all(in: session)
        let channels = try ReallocationChannelsTable.channels(of: quarters, in: session)
        return rows.compactMap { row in
            guard let quarter = row.text(Self.quarter).flatMap(Quarter.init),
                let model = row.text(Self.model).flatMap(AttributionModel.init), let currency = row.text(Self.currency),
                let revision = row.integer(Self.revision)
            else { return nil }
            return ReallocationProposed(
                quarter: quarter, model: model,
                envelope: Money(amountMinor: row.integer(Self.envelope) ?? 0, currency: currency),
                channels: channels[ReallocationChannelsTable.Key(quarter: quarter, revision: revision)] ?? [],
                revision: revision)
        }
    }
}
