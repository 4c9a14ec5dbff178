import Analytics
import TriadEvents
import TriadStorage

/// `it_campaign_counters`: each campaign's counters per partition, written as increments; the API
/// and the reports read them summed over the partitions.
public enum CampaignCountersTable {
    static let counterColumns = ["impressions", "clicks", "visits", "signups", "purchases", "revenue_minor"]

    static let table = Table(
        "it_campaign_counters", key: 2,
        [.text("campaign_id"), .integer("partition_id")] + counterColumns.map { .integer($0) })

    private static let partition = table.field("partition_id")
    private static let storedCounters = CounterFields(table).counters

    /// The stored counters of `campaignIds` on `partitions` (what a batch adds to, for the overflow check).
    static func stored(_ campaignIds: Set<UTF8Key>, partitions: Set<Int32>, in session: any SQLSession) throws
        -> [AnalyticsState.CounterKey: CampaignCounters]
    {
        var stored: [AnalyticsState.CounterKey: CampaignCounters] = [:]
        for row in try table.rows(campaignIds.sorted().map(\.string), in: session) {
            let partition = Int32(truncatingIfNeeded: row.integer(Self.partition) ?? 0)
            guard partitions.contains(partition) else { continue }
            let c = storedCounters(row)
            stored[AnalyticsState.CounterKey(campaignId: c.campaignId, partition: partition)] = c
        }
        return stored
    }

    static func save(_ state: AnalyticsState, in session: any SQLSession) throws {
        let counters = state.countersByPartition.sorted {
            ($0.key.campaign, $0.key.partition) < ($1.key.campaign, $1.key.partition)
        }
        try table.insert(
            counters.map { key, c in
                [.text(key.campaignId), .integer(Int64(key.partition))] + PerformanceReportedTable.values(c)
            },
            onConflict: .add, in: session)
    }

    // MARK: Sums over the partitions (rows shaped as `it_performance_reported`'s)

    private static let totals =
        "SELECT campaign_id, " + counterColumns.map { "CAST(SUM(\($0)) AS BIGINT)" }.joined(separator: ", ")
        + " FROM it_campaign_counters"

    /// Every campaign's counters.
    static func all(in session: any SQLSession) throws -> [CampaignCounters] {
        try session.query(totals + " GROUP BY campaign_id ORDER BY campaign_id").map(PerformanceReportedTable.counters)
    }

    public static func counters(of campaignId: String, in session: any SQLSession) throws -> CampaignCounters? {
        try session.query(totals + " WHERE campaign_id = ? GROUP BY campaign_id", [.text(campaignId)]).first
            .map(PerformanceReportedTable.counters)
    }

    /// One page of the campaigns' counters, by campaign id.
    public static func counters(_ page: PageRequest, in session: any SQLSession) throws -> [CampaignCounters] {
        try session.page(totals, key: "campaign_id", grouped: true, page).map(PerformanceReportedTable.counters)
    }
}
