import Finance
import TriadEvents
import TriadRuntime
import TriadStorage

/// Finance's tables, and how a batch of events is loaded from them and written back.
///
/// - `fin_accounts`: one row per campaign (decision, spend, attributed revenue, conversions).
/// - `fin_quarters`: what approvals reserved from each quarter's envelope, what completions gave
///   back, and the change count marketing orders envelope reports by; a plan or a completion locks
///   only its quarter's row.
/// - `fin_attributed_orders`: orders already counted.
/// - `fin_roi_reported`: what the last ROI report of each campaign said.
enum FinanceTables {
    static let migrations: [Migrations.Migration] = [
        Migrations.Migration(version: 200) { _ in
            [
                "CREATE TABLE fin_accounts (campaign_id TEXT PRIMARY KEY, quarter TEXT, requested_minor BIGINT, decision TEXT, approved_minor BIGINT, rejection_reason TEXT, spent_minor BIGINT NOT NULL DEFAULT 0, revenue_minor BIGINT NOT NULL DEFAULT 0, conversions BIGINT NOT NULL DEFAULT 0, exceeded_reported BIGINT NOT NULL DEFAULT 0, completed BIGINT NOT NULL DEFAULT 0, released_minor BIGINT NOT NULL DEFAULT 0)",
                "CREATE TABLE fin_quarters (quarter TEXT PRIMARY KEY, reserved_minor BIGINT NOT NULL DEFAULT 0)",
                "CREATE TABLE fin_attributed_orders (order_id TEXT PRIMARY KEY)",
                "CREATE TABLE fin_roi_reported (campaign_id TEXT PRIMARY KEY, spent_minor BIGINT NOT NULL, revenue_minor BIGINT NOT NULL, conversions BIGINT NOT NULL)",
            ]
        },
        // Envelope changes are published: what was given back so far (counted from the accounts for
        // quarters from before), and a revision per quarter.
        Migrations.Migration(version: 201) { _ in
            [
                "ALTER TABLE fin_quarters ADD COLUMN released_minor BIGINT NOT NULL DEFAULT 0",
                "ALTER TABLE fin_quarters ADD COLUMN revision BIGINT NOT NULL DEFAULT 0",
                "UPDATE fin_quarters SET released_minor = COALESCE((SELECT SUM(a.released_minor) FROM fin_accounts a WHERE a.quarter = fin_quarters.quarter), 0)",
            ]
        },
    ]

    private static let quarterColumns = "quarter, reserved_minor, released_minor, revision"

    private static let accountColumns =
        "campaign_id, quarter, requested_minor, decision, approved_minor, rejection_reason, spent_minor, revenue_minor, conversions, exceeded_reported, completed, released_minor"

    // MARK: A batch

    /// Loads what `events` touch, applies them in order and writes back what changed.
    static func apply(_ events: [IncomingEvent], ledger: FinanceLedger, in session: any SQLSession) throws
        -> [Result<[DomainEvent], EventRejection>]
    {
        let campaignIds = events.map { $0.event.payload.subject }.distinctInByteOrder()
        let (accounts, createdAccounts) = try lockOrCreate(
            "fin_accounts", key: "campaign_id", columns: accountColumns, keys: campaignIds, in: session)
        // A row that does not read back sets aside the events that need it, not the batch.
        var unreadable: [UTF8Key: String] = [:]
        var loaded: [CampaignAccount] = []
        for row in accounts {
            do {
                loaded.append(try account(row))
            } catch {
                unreadable[(row[0].text ?? "").utf8Key] = "\(error)"
            }
        }

        let orderIds = events.compactMap { event -> String? in
            if case .conversionAttributed(let conversion) = event.event { return conversion.orderId }
            return nil
        }.distinctInByteOrder()
        let inserted = try session.insertNew(
            into: "fin_attributed_orders", [.text("order_id")], rows: orderIds.map { [.text($0)] }, key: 1)
        let fresh = Set(zip(orderIds, inserted).compactMap { $1 ? $0.utf8Key : nil })

        // Plans reserve from their start quarter; completions give back to their account's quarter.
        var quarters = Set(events.compactMap { FinanceLedger.quarter(touchedBy: $0.event) })
        let completed = Set(events.compactMap { event -> UTF8Key? in
            if case .campaignCompleted(let c) = event.event { return c.campaignId.utf8Key }
            return nil
        })
        quarters.formUnion(loaded.filter { completed.contains($0.campaignId.utf8Key) }.compactMap(\.quarter))
        let (quarterRows, createdQuarters) = try lockOrCreate(
            "fin_quarters", key: "quarter", columns: quarterColumns, keys: quarters.map(\.description).sorted(), in: session)

        var state = FinanceState(
            accounts: loaded, quarters: books(quarterRows), countedOrders: Set(orderIds.map { UTF8Key($0) }).subtracting(fresh))
        let results = events.map { event in
            Result { () throws(EventRejection) in
                let campaignId = event.event.payload.subject
                if let problem = unreadable[campaignId.utf8Key] {
                    throw EventRejection(
                        .unreadableState, field: "campaignId", "finance's stored account of \(campaignId) cannot be read: \(problem)")
                }
                return try ledger.apply(event.event, to: &state)
            }
        }
        try save(state, in: session)
        // Rows created only to be locked, that no event needed, go again.
        try deleteUnused("fin_accounts", key: "campaign_id", created: createdAccounts.subtracting(state.changedAccounts), in: session)
        try deleteUnused(
            "fin_quarters", key: "quarter", created: createdQuarters.subtracting(state.changedQuarters.map { $0.description.utf8Key }),
            in: session)
        return results
    }

    /// The rows of `keys`, locked on PostgreSQL (missing ones created with their defaults, so a key
    /// nobody has yet is locked too), plus the keys created that way. Keys go in sorted: one lock
    /// order for every instance.
    private static func lockOrCreate(
        _ table: String, key: String, columns: String, keys: [String], in session: any SQLSession
    ) throws -> (rows: [SQLRow], created: Set<UTF8Key>) {
        switch session.dialect {
        case .sqlite:
            return (try session.query("SELECT \(columns) FROM \(table) WHERE \(key) {keys}", keys: keys), [])
        case .postgres:
            let rows = try session.insert(
                into: table, [.text(key)], rows: keys.map { [.text($0)] },
                "ON CONFLICT (\(key)) DO UPDATE SET \(key) = excluded.\(key) RETURNING \(columns), (xmax = 0)")
            let created = Set(rows.filter { $0.last?.integer == 1 }.compactMap { $0[0].text?.utf8Key })
            return (rows.map { Array($0.dropLast()) }, created)
        }
    }

    private static func deleteUnused(_ table: String, key: String, created: Set<UTF8Key>, in session: any SQLSession) throws {
        _ = try session.query("DELETE FROM \(table) WHERE \(key) {keys}", keys: created.sorted().map(\.string))
    }

    private static func save(_ state: FinanceState, in session: any SQLSession) throws {
        try session.insert(
            into: "fin_accounts",
            [
                .text("campaign_id"), .text("quarter", nullable: true), .integer("requested_minor", nullable: true),
                .text("decision", nullable: true), .integer("approved_minor", nullable: true),
                .text("rejection_reason", nullable: true), .integer("spent_minor"), .integer("revenue_minor"),
                .integer("conversions"), .integer("exceeded_reported"), .integer("completed"), .integer("released_minor"),
            ],
            rows: state.changedAccountRecords().map { a in
                var decision: String?, approved: Int64?, reason: String?
                switch a.decision {
                case .approved(let amount): (decision, approved) = ("approved", amount)
                case .rejected(let why): (decision, reason) = ("rejected", why.rawValue)
                case nil: break
                }
                return [
                    .text(a.campaignId), SQLValue(a.quarter?.description), SQLValue(a.requestedMinor), SQLValue(decision),
                    SQLValue(approved), SQLValue(reason), .integer(a.spentMinor), .integer(a.revenueMinor),
                    .integer(a.conversions), .integer(a.exceededReported ? 1 : 0), .integer(a.completed ? 1 : 0),
                    .integer(a.releasedMinor),
                ]
            },
            """
            ON CONFLICT (campaign_id) DO UPDATE SET quarter = excluded.quarter, requested_minor = excluded.requested_minor,
            decision = excluded.decision, approved_minor = excluded.approved_minor, rejection_reason = excluded.rejection_reason,
            spent_minor = excluded.spent_minor, revenue_minor = excluded.revenue_minor, conversions = excluded.conversions,
            exceeded_reported = excluded.exceeded_reported, completed = excluded.completed, released_minor = excluded.released_minor
            """)
        try session.insert(
            into: "fin_quarters", [.text("quarter"), .integer("reserved_minor"), .integer("released_minor"), .integer("revision")],
            rows: state.changedQuarters.sorted().map { quarter in
                let book = state.book(of: quarter)
                return [.text(quarter.description), .integer(book.reservedMinor), .integer(book.releasedMinor), .integer(book.revision)]
            },
            """
            ON CONFLICT (quarter) DO UPDATE SET reserved_minor = excluded.reserved_minor,
            released_minor = excluded.released_minor, revision = excluded.revision
            """)
    }

    // MARK: Reports and reads

    /// ROI reports for what changed since the last report, recorded as reported.
    static func roiReports(ledger: FinanceLedger, in session: any SQLSession) throws -> [DomainEvent] {
        let currency = ledger.policy.quarterlyEnvelope.currency
        var reported: [UTF8Key: RoiReported] = [:]
        for row in try session.query("SELECT campaign_id, spent_minor, revenue_minor, conversions FROM fin_roi_reported") {
            guard let id = row[0].text else { continue }
            reported[id.utf8Key] = RoiReported(
                campaignId: id, spend: MoneyTotal(amountMinor: row[1].integer ?? 0, currency: currency),
                revenue: MoneyTotal(amountMinor: row[2].integer ?? 0, currency: currency), conversions: row[3].integer ?? 0)
        }
        let accounts = try session.query("SELECT \(accountColumns) FROM fin_accounts ORDER BY campaign_id").map(account)
        let reports = ledger.roiReports(accounts: accounts, lastReported: reported)
        try session.insert(
            into: "fin_roi_reported", [.text("campaign_id"), .integer("spent_minor"), .integer("revenue_minor"), .integer("conversions")],
            rows: reports.map { [.text($0.campaignId), .integer($0.spend.amountMinor), .integer($0.revenue.amountMinor), .integer($0.conversions)] },
            """
            ON CONFLICT (campaign_id) DO UPDATE SET spent_minor = excluded.spent_minor, revenue_minor = excluded.revenue_minor,
            conversions = excluded.conversions
            """)
        return reports.map { .roiReported($0) }
    }

    static func account(_ campaignId: String, in session: any SQLSession) throws -> CampaignAccount? {
        try session.query("SELECT \(accountColumns) FROM fin_accounts WHERE campaign_id = ?", [.text(campaignId)]).first.map(account)
    }

    /// One page of the campaign accounts, by campaign id.
    static func accounts(_ page: PageRequest, in session: any SQLSession) throws -> [CampaignAccount] {
        let after = page.condition(on: "campaign_id")
        return try session.query(
            "SELECT \(accountColumns) FROM fin_accounts WHERE \(after.sql) ORDER BY campaign_id LIMIT ?", after.arguments + [page.fetchLimit]
        ).map(account)
    }

    /// The envelope state: every quarter with reservations, or the ones asked for.
    static func state(quarters: [Quarter]?, in session: any SQLSession) throws -> FinanceState {
        let rows =
            try quarters.map { try session.query("SELECT \(quarterColumns) FROM fin_quarters WHERE quarter {keys}", keys: $0.map(\.description)) }
            ?? session.query("SELECT \(quarterColumns) FROM fin_quarters ORDER BY quarter")
        return FinanceState(accounts: [], quarters: books(rows), countedOrders: [])
    }

    private static func books(_ rows: [SQLRow]) -> [Quarter: QuarterBook] {
        var books: [Quarter: QuarterBook] = [:]
        for row in rows {
            guard let text = row[0].text, let quarter = Quarter(text) else { continue }
            books[quarter] = QuarterBook(reservedMinor: row[1].integer ?? 0, releasedMinor: row[2].integer ?? 0, revision: row[3].integer ?? 0)
        }
        return books
    }

    // MARK: Rows

    private static func account(_ row: SQLRow) throws -> CampaignAccount {
        guard let id = row[0].text else { throw StorageError("fin_accounts holds a row without a campaign id") }
        var account = CampaignAccount(campaignId: id)
        if let text = row[1].text {
            guard let quarter = Quarter(text) else {
                throw StorageError("fin_accounts row \(id) holds quarter '\(text)', which does not read back")
            }
            account.quarter = quarter
        }
        account.requestedMinor = row[2].integer
        switch row[3].text {
        case "approved": account.decision = .approved(amountMinor: row[4].integer ?? 0)
        case "rejected":
            guard let reason = row[5].text.flatMap(BudgetRejectionReason.init(rawValue:)) else {
                throw StorageError("fin_accounts row \(id) holds an unknown rejection reason \(row[5])")
            }
            account.decision = .rejected(reason)
        default: break
        }
        account.spentMinor = row[6].integer ?? 0
        account.revenueMinor = row[7].integer ?? 0
        account.conversions = row[8].integer ?? 0
        account.exceededReported = row[9].integer == 1
        account.completed = row[10].integer == 1
        account.releasedMinor = row[11].integer ?? 0
        return account
    }
}
