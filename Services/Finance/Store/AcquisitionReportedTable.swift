import Finance
import TriadEvents
import TriadStorage

/// `fin_acquisition_reported`: what the last acquisition report of each quarter said, and its revision.
public enum AcquisitionReportedTable {
    static let table = Table(
        "fin_acquisition_reported",
        [
            .text("quarter"), .integer("spend_minor"), .integer("revenue_minor"), .integer("orders"),
            .integer("new_customers"), .integer("revision"),
        ])

    private static let quarter = table.field("quarter"), spend = table.field("spend_minor")
    private static let revenue = table.field("revenue_minor")
    private static let orders = table.field("orders"), newCustomers = table.field("new_customers")
    private static let revision = table.field("revision")

    /// Acquisition reports of the quarters whose figures changed since their last report, recorded
    /// as reported.
    public static func reports(ledger: FinanceLedger, in session: any SQLSession) throws -> [DomainEvent] {
        var last: [Quarter: ReportedQuarter] = [:]
        for row in try table.all(in: session) {
            guard let quarter = row.text(Self.quarter).flatMap(Quarter.init) else { continue }
            last[quarter] = ReportedQuarter(
                figures: QuarterFigures(
                    spendMinor: row.integer(Self.spend) ?? 0, revenueMinor: row.integer(Self.revenue) ?? 0,
                    orders: row.integer(Self.orders) ?? 0, newCustomers: row.integer(Self.newCustomers) ?? 0),
                revision: row.integer(Self.revision) ?? 0)
        }
        let reports = ledger.acquisitionReports(
            figures: try QuarterFiguresTable.byQuarter(in: session), lastReported: last)
        try table.insert(
            reports.map {
                [
                    .text($0.quarter.description), .integer($0.spend.amountMinor), .integer($0.revenue.amountMinor),
                    .integer($0.orders), .integer($0.newCustomers), .integer($0.revision),
                ]
            }, onConflict: .replace, in: session)
        return reports.map { .acquisitionReported($0) }
    }
}
