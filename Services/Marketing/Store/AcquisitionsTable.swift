import Marketing
import TriadEvents
import TriadStorage

/// `mkt_acquisitions`: finance's acquisition figures for each quarter of event time as it last
/// reported them (CAC, cost per order and MER follow from the counts); a report replaces the row
/// only with a higher revision.
enum AcquisitionsTable {
    static let table = Table(
        "mkt_acquisitions",
        [
            .text("quarter"), .integer("spend_minor"), .integer("revenue_minor"), .integer("orders"),
            .integer("new_customers"), .text("currency"), .integer("revision"),
        ])

    private static let quarter = table.field("quarter"), spend = table.field("spend_minor")
    private static let revenue = table.field("revenue_minor"), orders = table.field("orders")
    private static let newCustomers = table.field("new_customers")
    private static let currency = table.field("currency"), revision = table.field("revision")

    static func save(_ state: MarketingState, in session: any SQLSession) throws {
        try table.insert(
            state.changedAcquisitions.sorted().compactMap(state.acquisition).map { a in
                [
                    .text(a.quarter.description), .integer(a.spend.amountMinor), .integer(a.revenue.amountMinor),
                    .integer(a.orders), .integer(a.newCustomers), .text(a.spend.currency), .integer(a.revision),
                ]
            }, onConflict: .replaceWhere("excluded.revision > mkt_acquisitions.revision"), in: session)
    }

    /// Every quarter's figures, or those of `quarters` only.
    static func reports(of quarters: [Quarter]? = nil, in session: any SQLSession) throws -> [AcquisitionReported] {
        let rows = try quarters.map { try table.rows($0.map(\.description), in: session) } ?? table.all(in: session)
        return rows.compactMap { row in
            guard let quarter = row.text(Self.quarter).flatMap(Quarter.init), let currency = row.text(Self.currency),
                let revision = row.integer(Self.revision)
            else { return nil }
            let total = { (value: Int64?) in MoneyTotal(amountMinor: value ?? 0, currency: currency) }
            return AcquisitionReported(
                quarter: quarter, spend: total(row.integer(Self.spend)), revenue: total(row.integer(Self.revenue)),
                orders: row.integer(Self.orders) ?? 0, newCustomers: row.integer(Self.newCustomers) ?? 0,
                revision: revision)
        }
    }
}
