import Marketing
import TriadEvents
import TriadStorage

/// `mkt_roi`: the latest ROI report from finance, by campaign (its figures by model: `RoiByModelTable`);
/// ROI, ROAS, CAC and cost per order follow from its counts.
enum RoiTable {
    static let table = Table(
        "mkt_roi",
        [
            .text("campaign_id"), .integer("spend_minor"), .integer("revenue_minor"), .integer("conversions"),
            .text("currency"), .integer("new_customers", nullable: true),
        ])

    private static let spend = table.field("spend_minor")
    private static let revenue = table.field("revenue_minor"), conversions = table.field("conversions")
    private static let currency = table.field("currency"), newCustomers = table.field("new_customers")

    static func save(_ state: MarketingState, in session: any SQLSession) throws {
        try table.insert(
            state.changedRoiRecords().map { r in
                [
                    .text(r.campaignId), .integer(r.spend.amountMinor), .integer(r.revenue.amountMinor),
                    .integer(r.conversions), .text(r.spend.currency), SQLValue(r.newCustomers),
                ]
            }, onConflict: .replace, in: session)
        try RoiByModelTable.save(state.changedRoiRecords(), in: session)
    }

    static func all(in session: any SQLSession) throws -> [UTF8Key: RoiReported] {
        let byModel = try RoiByModelTable.all(in: session)
        return try table.allByKey(in: session) { id, row in
            guard let currency = row.text(Self.currency) else { return nil }
            let spend = row.integer(Self.spend) ?? 0
            return RoiReported(
                campaignId: id, spend: MoneyTotal(amountMinor: spend, currency: currency),
                revenue: MoneyTotal(amountMinor: row.integer(Self.revenue) ?? 0, currency: currency),
                conversions: row.integer(Self.conversions) ?? 0,
                byModel: byModel[id.utf8Key]?.mapValues {
                    ModelReturn(
                        revenue: MoneyTotal(amountMinor: $0.revenueMinor, currency: currency),
                        conversionsBps: $0.conversionsBps, spendMinor: spend)
                }, newCustomers: row.integer(Self.newCustomers))
        }
    }
}
