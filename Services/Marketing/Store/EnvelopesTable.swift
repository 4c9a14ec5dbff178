import Marketing
import TriadEvents
import TriadStorage

/// `mkt_envelopes`: each quarter's envelope as finance last reported it; a report replaces the row
/// only with a higher revision, so copies arriving late or out of order change nothing.
enum EnvelopesTable {
    static let table = Table(
        "mkt_envelopes",
        [
            .text("quarter"), .integer("envelope_minor"), .integer("reserved_minor"), .integer("released_minor"),
            .text("currency"), .integer("revision"),
        ])

    private static let quarter = table.field("quarter"), envelope = table.field("envelope_minor")
    private static let reserved = table.field("reserved_minor"), released = table.field("released_minor")
    private static let currency = table.field("currency"), revision = table.field("revision")

    static func save(_ state: MarketingState, in session: any SQLSession) throws {
        try table.insert(
            state.changedEnvelopes.sorted().compactMap(state.envelope).map { e in
                [
                    .text(e.quarter.description), .integer(e.envelope.amountMinor), .integer(e.reserved.amountMinor),
                    .integer(e.released.amountMinor), .text(e.envelope.currency), .integer(e.revision),
                ]
            }, onConflict: .replaceWhere("excluded.revision > mkt_envelopes.revision"), in: session)
    }

    /// Every quarter's envelope, or those of `quarters` only.
    static func envelopes(of quarters: [Quarter]? = nil, in session: any SQLSession) throws -> [EnvelopeChanged] {
        let rows = try quarters.map { try table.rows($0.map(\.description), in: session) } ?? table.all(in: session)
        return rows.compactMap { row in
            guard let quarter = row.text(Self.quarter).flatMap(Quarter.init), let currency = row.text(Self.currency)
            else { return nil }
            let total = { (value: Int64?) in MoneyTotal(amountMinor: value ?? 0, currency: currency) }
            return EnvelopeChanged(
                quarter: quarter, envelope: Money(amountMinor: row.integer(Self.envelope) ?? 0, currency: currency),
                reserved: total(row.integer(Self.reserved)), released: total(row.integer(Self.released)),
                revision: row.integer(Self.revision) ?? 0)
        }
    }
}
