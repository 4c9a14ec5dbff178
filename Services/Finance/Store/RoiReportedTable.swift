import Finance
import TriadEvents
import TriadStorage

/// `fin_roi_reported`: what the last ROI report of each campaign said (under each model:
/// `ModelFiguresTable.reported`).
public enum RoiReportedTable {
    static let table = Table(
        "fin_roi_reported",
        [
            .text("campaign_id"), .integer("spent_minor"), .integer("revenue_minor"), .integer("conversions"),
            .integer("new_customers", nullable: true),
        ])

    private static let spent = table.field("spent_minor")
    private static let revenue = table.field("revenue_minor"), conversions = table.field("conversions")
    private static let newCustomers = table.field("new_customers")

    /// ROI reports for what changed since the last report, recorded as reported.
    public static func reports(ledger: FinanceLedger, in session: any SQLSession) throws -> [DomainEvent] {
        let currency = ledger.policy.quarterlyEnvelope.currency
        let byModel = try ModelFiguresTable.reported.figures(of: nil, in: session)
        let reported = try table.allByKey(in: session) { id, row in
            var last = CampaignAccount(campaignId: id)
            last.spentMinor = row.integer(Self.spent) ?? 0
            last.revenueMinor = row.integer(Self.revenue) ?? 0
            last.conversions = row.integer(Self.conversions) ?? 0
            last.newCustomers = row.integer(Self.newCustomers) ?? 0
            last.credited = byModel[id.utf8Key] ?? [:]
            var report = last.roiReport(currency: currency)
            // Reported before attribution models: reported again, with them.
            if byModel[id.utf8Key] == nil { report.byModel = nil }
            // Reported before new customers were counted: reported again, with them.
            if row.integer(Self.newCustomers) == nil { report.newCustomers = nil }
            return report
        }
        let reports = ledger.roiReports(accounts: try AccountsTable.all(in: session), lastReported: reported)
        try table.insert(
            reports.map {
                [
                    .text($0.campaignId), .integer($0.spend.amountMinor), .integer($0.revenue.amountMinor),
                    .integer($0.conversions), SQLValue($0.newCustomers),
                ]
            },
            onConflict: .replace, in: session)
        try ModelFiguresTable.reported.save(
            reports.map { report in
                (
                    report.campaignId,
                    (report.byModel ?? [:]).mapValues {
                        CreditedFigures(revenueMinor: $0.revenue.amountMinor, conversionsBps: $0.conversionsBps)
                    }
                )
            }, in: session)
        return reports.map { .roiReported($0) }
    }
}
