import Analytics
import TriadEvents
import TriadStorage

/// `it_performance_reported`: what the last performance report of each campaign said.
public enum PerformanceReportedTable {
    static let table = Table(
        "it_performance_reported", [.text("campaign_id")] + CampaignCountersTable.counterColumns.map { .integer($0) })

    /// Reports for what changed since the last report, recorded as reported.
    public static func reports(analytics: Analytics, in session: any SQLSession) throws -> [DomainEvent] {
        let current = try CampaignCountersTable.all(in: session)
        let reported = try table.allByKey(in: session) { _, row in counters(row) }
        let changed = current.filter { reported[$0.campaignId.utf8Key] != $0 }
        try table.insert(changed.map { [.text($0.campaignId)] + values($0) }, onConflict: .replace, in: session)
        return analytics.performanceReports(current: changed, lastReported: [:])
    }

    // MARK: Rows

    /// The counters in `counterColumns` order.
    static func values(_ c: CampaignCounters) -> [SQLValue] {
        [c.impressions, c.clicks, c.visits, c.signups, c.purchases, c.revenueMinor].map { .integer($0) }
    }

    /// Reads a row of this table's columns (the sums over `it_campaign_counters` come in this shape too).
    static let counters = CounterFields(table).counters
}
