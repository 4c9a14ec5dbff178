import Analytics
import TriadStorage

/// Where a table's campaign counters are (`campaign_id` and `CampaignCountersTable.counterColumns`).
struct CounterFields: Sendable {
    let campaignId, impressions, clicks, visits, signups, purchases, revenue: Field

    init(_ table: Table) {
        campaignId = table.field("campaign_id")
        impressions = table.field("impressions")
        clicks = table.field("clicks")
        visits = table.field("visits")
        signups = table.field("signups")
        purchases = table.field("purchases")
        revenue = table.field("revenue_minor")
    }

    func counters(_ row: SQLRow) -> CampaignCounters {
        CampaignCounters(
            campaignId: row.text(campaignId) ?? "", impressions: row.integer(impressions) ?? 0,
            clicks: row.integer(clicks) ?? 0, visits: row.integer(visits) ?? 0, signups: row.integer(signups) ?? 0,
            purchases: row.integer(purchases) ?? 0, revenueMinor: row.integer(revenue) ?? 0)
    }
}
