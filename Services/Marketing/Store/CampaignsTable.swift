import Marketing
import TriadEvents
import TriadStorage

/// `mkt_campaigns`: one row per campaign and its state.
public enum CampaignsTable {
    static let table = Table(
        "mkt_campaigns",
        [
            .text("campaign_id"), .text("name"), .text("channel"), .text("segment"), .integer("requested_minor"),
            .text("currency"), .text("start_date"), .text("end_date"), .integer("target_roi_bps"), .text("status"),
            .integer("approved_minor", nullable: true), .text("rejection_reason", nullable: true),
            .text("pause_reason", nullable: true), .integer("budget_exceeded"),
            .integer("projected_revenue_minor", nullable: true), .integer("projected_roi_bps", nullable: true),
            .text("projection_reason", nullable: true),
        ])

    private static let campaignId = table.field("campaign_id"), name = table.field("name")
    private static let channel = table.field("channel"), segment = table.field("segment")
    private static let requested = table.field("requested_minor"), currency = table.field("currency")
    private static let start = table.field("start_date"), end = table.field("end_date")
    private static let targetRoi = table.field("target_roi_bps"), status = table.field("status")
    private static let approved = table.field("approved_minor"), rejection = table.field("rejection_reason")
    private static let pause = table.field("pause_reason"), exceeded = table.field("budget_exceeded")
    private static let projectedRevenue = table.field("projected_revenue_minor")
    private static let projectedRoi = table.field("projected_roi_bps"), projection = table.field("projection_reason")

    // MARK: Reads

    /// The campaigns with these ids; with `locking`, locked until the transaction ends (`Table.rows`).
    public static func campaigns(_ ids: [String], locking: Bool, in session: any SQLSession) throws -> [Campaign] {
        try table.rows(ids, locking: locking, in: session).map(campaign)
    }

    /// `campaigns(_:locking: true)`, with a row that does not read back set aside with why, so that
    /// only the events that need it are refused.
    static func lockReadable(_ ids: [String], in session: any SQLSession) throws
        -> (campaigns: [Campaign], unreadable: UnreadableRows)
    {
        var unreadable = UnreadableRows()
        let campaigns = unreadable.read(try table.rows(ids, locking: true, in: session), of: table, with: campaign)
        return (campaigns, unreadable)
    }

    public static func all(in session: any SQLSession) throws -> [Campaign] {
        try table.all(in: session).map(campaign)
    }

    /// One page of the campaigns, by id.
    public static func campaigns(_ page: PageRequest, in session: any SQLSession) throws -> [Campaign] {
        try session.page(table.select, key: "campaign_id", page).map(campaign)
    }

    // MARK: Writes

    /// New campaigns are inserted, never upserted: a campaign planned twice at once on two instances
    /// fails the second transaction instead of overwriting the first.
    static func save(_ changed: [Campaign], new: Set<UTF8Key>, in session: any SQLSession) throws {
        try table.insert(changed.filter { new.contains($0.id.utf8Key) }.map(values), in: session)
        try table.insert(changed.filter { !new.contains($0.id.utf8Key) }.map(values), onConflict: .replace, in: session)
    }

    // MARK: Rows

    private static func values(_ c: Campaign) -> [SQLValue] {
        [
            .text(c.id), .text(c.name), .text(c.channel.rawValue), .text(c.segment),
            .integer(c.requestedBudget.amountMinor),
            .text(c.requestedBudget.currency), .text(c.startDate.description), .text(c.endDate.description),
            .integer(c.targetRoiBps), .text(c.status.rawValue), SQLValue(c.approvedBudget?.amountMinor),
            SQLValue(c.rejectionReason?.rawValue), SQLValue(c.pauseReason), .integer(c.budgetExceeded ? 1 : 0),
            SQLValue(c.projection?.projectedRevenue?.amountMinor), SQLValue(c.projection?.projectedRoiBps),
            SQLValue(c.projection?.reason.rawValue),
        ]
    }

    private static func campaign(_ row: SQLRow) throws -> Campaign {
        let id = row.text(Self.campaignId) ?? ""
        func unreadable(_ column: String) -> StorageError {
            StorageError("mkt_campaigns row \(id) holds a \(column) that does not read back: \(row)")
        }
        guard let currency = row.text(Self.currency) else { throw unreadable("currency") }
        guard let channel = row.text(Self.channel).flatMap(Channel.init(rawValue:)) else { throw unreadable("channel") }
        guard let start = row.text(Self.start).flatMap(CalendarDate.init),
            let end = row.text(Self.end).flatMap(CalendarDate.init)
        else {
            throw unreadable("date")
        }
        guard let status = row.text(Self.status).flatMap(CampaignStatus.init(rawValue:)) else {
            throw unreadable("status")
        }
        var campaign = Campaign(
            planned: CampaignPlanned(
                campaignId: id, name: row.text(Self.name) ?? "", channel: channel,
                segment: row.text(Self.segment) ?? "",
                requestedBudget: Money(amountMinor: row.integer(Self.requested) ?? 0, currency: currency),
                startDate: start,
                endDate: end, targetRoiBps: row.integer(Self.targetRoi) ?? 0))
        campaign.status = status
        campaign.approvedBudget = row.integer(Self.approved).map { Money(amountMinor: $0, currency: currency) }
        if let reason = row.text(Self.rejection) {
            guard let parsed = BudgetRejectionReason(rawValue: reason) else { throw unreadable("rejection reason") }
            campaign.rejectionReason = parsed
        }
        campaign.pauseReason = row.text(Self.pause)
        campaign.budgetExceeded = row.integer(Self.exceeded) == 1
        if let reason = row.text(Self.projection) {
            guard let parsed = ProjectionReason(rawValue: reason) else { throw unreadable("projection reason") }
            campaign.projection = Campaign.Projection(
                projectedRevenue: row.integer(Self.projectedRevenue).map { Money(amountMinor: $0, currency: currency) },
                projectedRoiBps: row.integer(Self.projectedRoi), reason: parsed)
        }
        return campaign
    }
}
