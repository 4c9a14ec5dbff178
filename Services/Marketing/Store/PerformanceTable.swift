import Marketing
import TriadEvents
import TriadStorage

/// `mkt_performance`: the latest performance report from IT, by campaign.
enum PerformanceTable {
    static let table = Table(
        "mkt_performance",
        [
            .text("campaign_id"), .integer("impressions"), .integer("clicks"), .integer("visits"), .integer("signups"),
            .integer("purchases"), .integer("revenue_minor"), .text("currency"),
        ])

    private static let impressions = table.field("impressions")
    private static let clicks = table.field("clicks"), visits = table.field("visits"), signups = table.field("signups")
    private static let purchases = table.field("purchases"), revenue = table.field("revenue_minor")
    private static let currency = table.field("currency")

    static func save(_ state: MarketingState, in session: any SQLSession) throws {
        try table.insert(
            state.changedPerformanceRecords().map { p in
                [.text(p.campaignId)]
                    + [p.impressions, p.clicks, p.visits, p.signups, p.purchases, p.revenue.amountMinor].map {
                        .integer($0)
                    }
                    + [.text(p.revenue.currency)]
            }, onConflict: .replace, in: session)
    }

    static func all(in session: any SQLSession) throws -> [UTF8Key: CampaignPerformanceReported] {
        try table.allByKey(in: session) { id, row in
            guard let currency = row.text(Self.currency) else { return nil }
            return CampaignPerformanceReported(
                campaignId: id, impressions: row.integer(Self.impressions) ?? 0, clicks: row.integer(Self.clicks) ?? 0,
                visits: row.integer(Self.visits) ?? 0, signups: row.integer(Self.signups) ?? 0,
                purchases: row.integer(Self.purchases) ?? 0,
                revenue: MoneyTotal(amountMinor: row.integer(Self.revenue) ?? 0, currency: currency))
        }
    }
}
