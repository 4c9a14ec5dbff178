import Marketing
import TriadEvents
import TriadRuntime
import TriadStorage

/// Marketing's tables, and how batches of events and HTTP commands are loaded from them and written back.
///
/// - `mkt_campaigns`: one row per campaign and its state.
/// - `mkt_roi`, `mkt_performance`: the latest report from finance and from IT, by campaign.
/// - `mkt_churn_risk`: customers IT flagged at churn risk, with their current segment and whether
///   the episode is still open (the briefing counts the open ones by segment).
/// - `mkt_churn_flow`: episodes flagged and recovered per quarter and segment, written as increments.
/// - `mkt_roi_history`: each campaign's latest ROI reports (`RoiPoint.historyLimit`), for the trend line.
/// - `mkt_envelopes`: each quarter's envelope as finance last reported it; a report replaces the row
///   only with a higher revision, so copies arriving late or out of order change nothing.
enum MarketingTables {
    static let migrations: [Migrations.Migration] = [
        Migrations.Migration(version: 300) { _ in
            [
                "CREATE TABLE mkt_campaigns (campaign_id TEXT PRIMARY KEY, name TEXT NOT NULL, channel TEXT NOT NULL, segment TEXT NOT NULL, requested_minor BIGINT NOT NULL, currency TEXT NOT NULL, start_date TEXT NOT NULL, end_date TEXT NOT NULL, target_roi_bps BIGINT NOT NULL, status TEXT NOT NULL, approved_minor BIGINT, rejection_reason TEXT, pause_reason TEXT, budget_exceeded BIGINT NOT NULL)",
                "CREATE TABLE mkt_roi (campaign_id TEXT PRIMARY KEY, spend_minor BIGINT NOT NULL, revenue_minor BIGINT NOT NULL, conversions BIGINT NOT NULL, currency TEXT NOT NULL)",
                "CREATE TABLE mkt_performance (campaign_id TEXT PRIMARY KEY, impressions BIGINT NOT NULL, clicks BIGINT NOT NULL, visits BIGINT NOT NULL, signups BIGINT NOT NULL, purchases BIGINT NOT NULL, revenue_minor BIGINT NOT NULL, currency TEXT NOT NULL)",
                "CREATE TABLE mkt_churn_risk (customer_id TEXT PRIMARY KEY, segment TEXT NOT NULL)",
            ]
        },
        // Episodes end (churn risk cleared): rows counted before were all open.
        Migrations.Migration(version: 301) { _ in
            [
                "ALTER TABLE mkt_churn_risk ADD COLUMN at_risk BIGINT NOT NULL DEFAULT 1",
                "CREATE TABLE mkt_churn_flow (quarter TEXT NOT NULL, segment TEXT NOT NULL, flagged BIGINT NOT NULL, recovered BIGINT NOT NULL, PRIMARY KEY (quarter, segment))",
            ]
        },
        Migrations.Migration(version: 302) { _ in
            [
                "CREATE TABLE mkt_roi_history (campaign_id TEXT NOT NULL, reported_at BIGINT NOT NULL, roi_bps BIGINT NOT NULL, PRIMARY KEY (campaign_id, reported_at))",
                "CREATE TABLE mkt_envelopes (quarter TEXT PRIMARY KEY, envelope_minor BIGINT NOT NULL, reserved_minor BIGINT NOT NULL, released_minor BIGINT NOT NULL, currency TEXT NOT NULL, revision BIGINT NOT NULL)",
            ]
        },
    ]

    private static let campaignColumns =
        "campaign_id, name, channel, segment, requested_minor, currency, start_date, end_date, target_roi_bps, status, approved_minor, rejection_reason, pause_reason, budget_exceeded"

    // MARK: A batch

    /// Loads what `events` touch, applies them in order and writes back what changed.
    static func apply(_ events: [IncomingEvent], desk: CampaignDesk, in session: any SQLSession) throws
        -> [Result<[DomainEvent], EventRejection>]
    {
        var campaignIds: [String] = []
        var customers: [String] = []
        var quarters: Set<Quarter> = []
        for event in events {
            switch event.event {
            case .envelopeChanged(let envelope): quarters.insert(envelope.quarter)
            case .budgetApproved, .budgetRejected, .budgetExceeded: campaignIds.append(event.event.payload.subject)
            case .churnRiskDetected, .churnRiskCleared, .churnRiskSegmentChanged: customers.append(event.event.payload.subject)
            default: break
            }
        }
        // A row that does not read back sets aside the events that need it, not the batch.
        var readable: [Campaign] = []
        var unreadable: [UTF8Key: String] = [:]
        for row in try campaignRows(campaignIds.distinctInByteOrder(), locking: true, in: session) {
            do {
                readable.append(try campaign(row))
            } catch {
                unreadable[(row[0].text ?? "").utf8Key] = "\(error)"
            }
        }
        var state = MarketingState(campaigns: readable, churnRisks: try churnRisks(of: customers.distinctInByteOrder(), in: session))
        // A reported revision is measured against the one stored (EnvelopeChanged.maximumRevisionStep).
        if !quarters.isEmpty { state.know(storedEnvelopes: try envelopes(of: quarters.sorted(), in: session)) }
        let results = events.map { event in
            Result { () throws(EventRejection) in
                let id = event.event.payload.subject
                if let problem = unreadable[id.utf8Key] {
                    throw EventRejection(
                        .unreadableState, field: "campaignId", "marketing's stored campaign \(id) cannot be read: \(problem)")
                }
                return try desk.apply(event.event, at: event.received.envelope.time, to: &state)
            }
        }
        try save(state, in: session)
        return results
    }

    /// The campaigns with these ids; on PostgreSQL locked until the transaction ends.
    static func campaigns(_ ids: [String], locking: Bool, in session: any SQLSession) throws -> [Campaign] {
        try campaignRows(ids, locking: locking, in: session).map(campaign)
    }

    private static func campaignRows(_ ids: [String], locking: Bool, in session: any SQLSession) throws -> [SQLRow] {
        let lock = locking && session.dialect == .postgres ? " ORDER BY campaign_id FOR UPDATE" : ""
        return try session.query("SELECT \(campaignColumns) FROM mkt_campaigns WHERE campaign_id {keys}\(lock)", keys: ids)
    }

    /// On PostgreSQL locked until the transaction ends (a customer's events are on one partition,
    /// but a rebalance may hand it over mid-batch).
    private static func churnRisks(of customers: [String], in session: any SQLSession) throws -> [UTF8Key: ChurnRecord] {
        let lock = session.dialect == .postgres ? " ORDER BY customer_id FOR UPDATE" : ""
        var found: [UTF8Key: ChurnRecord] = [:]
        for row in try session.query(
            "SELECT customer_id, segment, at_risk FROM mkt_churn_risk WHERE customer_id {keys}\(lock)", keys: customers)
        {
            if let id = row[0].text, let segment = row[1].text { found[id.utf8Key] = ChurnRecord(segment: segment, atRisk: row[2].integer != 0) }
        }
        return found
    }

    /// Writes what changed. New campaigns are inserted, never upserted: a campaign planned twice at
    /// once on two instances fails the second transaction instead of overwriting the first.
    static func save(_ state: MarketingState, newCampaigns: Set<UTF8Key> = [], in session: any SQLSession) throws {
        let columns: [Column] = [
            .text("campaign_id"), .text("name"), .text("channel"), .text("segment"), .integer("requested_minor"),
            .text("currency"), .text("start_date"), .text("end_date"), .integer("target_roi_bps"), .text("status"),
            .integer("approved_minor", nullable: true), .text("rejection_reason", nullable: true),
            .text("pause_reason", nullable: true), .integer("budget_exceeded"),
        ]
        let changed = state.changedCampaignRecords()
        try session.insert(
            into: "mkt_campaigns", columns, rows: changed.filter { newCampaigns.contains($0.id.utf8Key) }.map(values))
        try session.insert(
            into: "mkt_campaigns", columns, rows: changed.filter { !newCampaigns.contains($0.id.utf8Key) }.map(values),
            "ON CONFLICT (campaign_id) DO UPDATE SET "
                + columns.dropFirst().map { "\($0.name) = excluded.\($0.name)" }.joined(separator: ", "))
        try session.insert(
            into: "mkt_roi",
            [.text("campaign_id"), .integer("spend_minor"), .integer("revenue_minor"), .integer("conversions"), .text("currency")],
            rows: state.changedRoiRecords().map { r in
                [.text(r.campaignId), .integer(r.spend.amountMinor), .integer(r.revenue.amountMinor), .integer(r.conversions), .text(r.spend.currency)]
            },
            """
            ON CONFLICT (campaign_id) DO UPDATE SET spend_minor = excluded.spend_minor, revenue_minor = excluded.revenue_minor,
            conversions = excluded.conversions, currency = excluded.currency
            """)
        let performanceColumns = ["impressions", "clicks", "visits", "signups", "purchases", "revenue_minor"]
        try session.insert(
            into: "mkt_performance", [.text("campaign_id")] + performanceColumns.map { .integer($0) } + [.text("currency")],
            rows: state.changedPerformanceRecords().map { p in
                [.text(p.campaignId)] + [p.impressions, p.clicks, p.visits, p.signups, p.purchases, p.revenue.amountMinor].map { .integer($0) }
                    + [.text(p.revenue.currency)]
            },
            "ON CONFLICT (campaign_id) DO UPDATE SET "
                + (performanceColumns + ["currency"]).map { "\($0) = excluded.\($0)" }.joined(separator: ", "))
        try session.insert(
            into: "mkt_churn_risk", [.text("customer_id"), .text("segment"), .integer("at_risk")],
            rows: state.changedChurnRecords().map { [.text($0.customerId), .text($0.record.segment), .integer($0.record.atRisk ? 1 : 0)] },
            "ON CONFLICT (customer_id) DO UPDATE SET segment = excluded.segment, at_risk = excluded.at_risk")
        try session.insert(
            into: "mkt_churn_flow", [.text("quarter"), .text("segment"), .integer("flagged"), .integer("recovered")],
            rows: state.churnFlows.sorted { ($0.key.quarter, $0.key.segment) < ($1.key.quarter, $1.key.segment) }.map { key, flow in
                [.text(key.quarter.description), .text(key.segment), .integer(flow.flagged), .integer(flow.recovered)]
            },
            """
            ON CONFLICT (quarter, segment) DO UPDATE SET flagged = mkt_churn_flow.flagged + excluded.flagged,
            recovered = mkt_churn_flow.recovered + excluded.recovered
            """)
        try saveTrendsAndEnvelopes(state, in: session)
    }

    // MARK: Trends and envelopes

    private static func saveTrendsAndEnvelopes(_ state: MarketingState, in session: any SQLSession) throws {
        try session.insert(
            into: "mkt_roi_history", [.text("campaign_id"), .integer("reported_at"), .integer("roi_bps")],
            rows: state.newRoiPoints.map { [.text($0.campaignId), .integer($0.point.at.millisecondsSinceEpoch), .integer($0.point.roiBps)] },
            "ON CONFLICT (campaign_id, reported_at) DO UPDATE SET roi_bps = excluded.roi_bps")
        // Only the newest points of each campaign stay.
        for campaignId in state.newRoiPoints.map(\.campaignId).distinctInByteOrder() {
            _ = try session.query(
                """
                DELETE FROM mkt_roi_history WHERE campaign_id = ? AND reported_at < (SELECT MIN(reported_at) FROM
                (SELECT reported_at FROM mkt_roi_history WHERE campaign_id = ? ORDER BY reported_at DESC LIMIT ?) AS newest)
                """, [.text(campaignId), .text(campaignId), .integer(Int64(RoiPoint.historyLimit))])
        }
        try session.insert(
            into: "mkt_envelopes",
            [.text("quarter"), .integer("envelope_minor"), .integer("reserved_minor"), .integer("released_minor"), .text("currency"), .integer("revision")],
            rows: state.changedEnvelopes.sorted().compactMap(state.envelope).map { e in
                [.text(e.quarter.description), .integer(e.envelope.amountMinor), .integer(e.reserved.amountMinor),
                 .integer(e.released.amountMinor), .text(e.envelope.currency), .integer(e.revision)]
            },
            """
            ON CONFLICT (quarter) DO UPDATE SET envelope_minor = excluded.envelope_minor, reserved_minor = excluded.reserved_minor,
            released_minor = excluded.released_minor, currency = excluded.currency, revision = excluded.revision
            WHERE excluded.revision > mkt_envelopes.revision
            """)
    }

    private static func roiTrends(in session: any SQLSession) throws -> [UTF8Key: [RoiPoint]] {
        var trends: [UTF8Key: [RoiPoint]] = [:]
        for row in try session.query("SELECT campaign_id, reported_at, roi_bps FROM mkt_roi_history ORDER BY campaign_id, reported_at") {
            guard let id = row[0].text, let at = row[1].integer, let roi = row[2].integer else { continue }
            trends[id.utf8Key, default: []].append(RoiPoint(at: Timestamp(millisecondsSinceEpoch: at), roiBps: roi))
        }
        return trends
    }

    /// Every quarter's envelope, or those of `quarters` only.
    private static func envelopes(of quarters: [Quarter]? = nil, in session: any SQLSession) throws -> [EnvelopeChanged] {
        let columns = "SELECT quarter, envelope_minor, reserved_minor, released_minor, currency, revision FROM mkt_envelopes"
        let rows =
            try quarters.map { try session.query(columns + " WHERE quarter {keys}", keys: $0.map(\.description)) }
            ?? session.query(columns + " ORDER BY quarter")
        return rows.compactMap { row in
            guard let quarter = row[0].text.flatMap(Quarter.init), let currency = row[4].text else { return nil }
            let total = { (value: SQLValue) in MoneyTotal(amountMinor: value.integer ?? 0, currency: currency) }
            return EnvelopeChanged(
                quarter: quarter, envelope: Money(amountMinor: row[1].integer ?? 0, currency: currency), reserved: total(row[2]),
                released: total(row[3]), revision: row[5].integer ?? 0)
        }
    }

    // MARK: Reads

    static func allCampaigns(in session: any SQLSession) throws -> [Campaign] {
        try session.query("SELECT \(campaignColumns) FROM mkt_campaigns ORDER BY campaign_id").map(campaign)
    }

    /// One page of the campaigns, by id.
    static func campaigns(_ page: PageRequest, in session: any SQLSession) throws -> [Campaign] {
        let after = page.condition(on: "campaign_id")
        return try session.query(
            "SELECT \(campaignColumns) FROM mkt_campaigns WHERE \(after.sql) ORDER BY campaign_id LIMIT ?", after.arguments + [page.fetchLimit]
        ).map(campaign)
    }

    static func briefing(policy: BriefingPolicy, currency: String, in session: any SQLSession) throws -> Briefing {
        var rois: [UTF8Key: RoiReported] = [:]
        for row in try session.query("SELECT campaign_id, spend_minor, revenue_minor, conversions, currency FROM mkt_roi") {
            guard let id = row[0].text, let currency = row[4].text else { continue }
            rois[id.utf8Key] = RoiReported(
                campaignId: id, spend: MoneyTotal(amountMinor: row[1].integer ?? 0, currency: currency),
                revenue: MoneyTotal(amountMinor: row[2].integer ?? 0, currency: currency), conversions: row[3].integer ?? 0)
        }
        var performances: [UTF8Key: CampaignPerformanceReported] = [:]
        for row in try session.query(
            "SELECT campaign_id, impressions, clicks, visits, signups, purchases, revenue_minor, currency FROM mkt_performance")
        {
            guard let id = row[0].text, let currency = row[7].text else { continue }
            performances[id.utf8Key] = CampaignPerformanceReported(
                campaignId: id, impressions: row[1].integer ?? 0, clicks: row[2].integer ?? 0, visits: row[3].integer ?? 0,
                signups: row[4].integer ?? 0, purchases: row[5].integer ?? 0,
                revenue: MoneyTotal(amountMinor: row[6].integer ?? 0, currency: currency))
        }
        var churn: [UTF8Key: Int64] = [:]
        for row in try session.query("SELECT segment, COUNT(*) FROM mkt_churn_risk WHERE at_risk = 1 GROUP BY segment") {
            if let segment = row[0].text { churn[segment.utf8Key] = row[1].integer ?? 0 }
        }
        // Quarters are written with four year digits, so the newest sorts last.
        var flows: [ChurnFlowKey: ChurnFlow] = [:]
        for row in try session.query(
            "SELECT quarter, segment, flagged, recovered FROM mkt_churn_flow WHERE quarter = (SELECT MAX(quarter) FROM mkt_churn_flow)")
        {
            guard let quarter = row[0].text.flatMap(Quarter.init), let segment = row[1].text else { continue }
            flows[ChurnFlowKey(quarter: quarter, segment: segment)] = ChurnFlow(flagged: row[2].integer ?? 0, recovered: row[3].integer ?? 0)
        }
        let trends = try roiTrends(in: session)
        return try Briefing.make(
            campaigns: try allCampaigns(in: session), roi: { rois[$0.utf8Key] }, performance: { performances[$0.utf8Key] },
            roiTrend: { trends[$0.utf8Key] ?? [] }, churnRiskBySegment: churn, churnFlows: flows, envelopes: try envelopes(in: session),
            policy: policy, currency: currency)
    }

    // MARK: Rows

    private static func values(_ c: Campaign) -> [SQLValue] {
        [
            .text(c.id), .text(c.name), .text(c.channel.rawValue), .text(c.segment), .integer(c.requestedBudget.amountMinor),
            .text(c.requestedBudget.currency), .text(c.startDate.description), .text(c.endDate.description),
            .integer(c.targetRoiBps), .text(c.status.rawValue), SQLValue(c.approvedBudget?.amountMinor),
            SQLValue(c.rejectionReason?.rawValue), SQLValue(c.pauseReason), .integer(c.budgetExceeded ? 1 : 0),
        ]
    }

    private static func campaign(_ row: SQLRow) throws -> Campaign {
        let id = row[0].text ?? ""
        func unreadable(_ column: String) -> StorageError {
            StorageError("mkt_campaigns row \(id) holds a \(column) that does not read back: \(row)")
        }
        guard let currency = row[5].text else { throw unreadable("currency") }
        guard let channel = row[2].text.flatMap(Channel.init(rawValue:)) else { throw unreadable("channel") }
        guard let start = row[6].text.flatMap(CalendarDate.init), let end = row[7].text.flatMap(CalendarDate.init) else {
            throw unreadable("date")
        }
        guard let status = row[9].text.flatMap(CampaignStatus.init(rawValue:)) else { throw unreadable("status") }
        var campaign = Campaign(
            planned: CampaignPlanned(
                campaignId: id, name: row[1].text ?? "", channel: channel, segment: row[3].text ?? "",
                requestedBudget: Money(amountMinor: row[4].integer ?? 0, currency: currency), startDate: start, endDate: end,
                targetRoiBps: row[8].integer ?? 0))
        campaign.status = status
        campaign.approvedBudget = row[10].integer.map { Money(amountMinor: $0, currency: currency) }
        if let reason = row[11].text {
            guard let parsed = BudgetRejectionReason(rawValue: reason) else { throw unreadable("rejection reason") }
            campaign.rejectionReason = parsed
        }
        campaign.pauseReason = row[12].text
        campaign.budgetExceeded = row[13].integer == 1
        return campaign
    }
}
