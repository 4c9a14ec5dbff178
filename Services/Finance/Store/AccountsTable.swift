import Finance
import TriadEvents
import TriadStorage

/// `fin_accounts`: one row per campaign (channel, decision, spend, attributed revenue, conversions,
/// new customers, what went back to the envelope). Reads give each account with what every model
/// credited it with (`ModelFiguresTable.credited`).
public enum AccountsTable {
    static let table = Table(
        "fin_accounts",
        [
            .text("campaign_id"), .text("quarter", nullable: true), .integer("requested_minor", nullable: true),
            .text("decision", nullable: true), .integer("approved_minor", nullable: true),
            .text("rejection_reason", nullable: true), .integer("spent_minor"), .integer("revenue_minor"),
            .integer("conversions"), .integer("exceeded_reported"), .integer("completed"), .integer("released_minor"),
            .text("channel", nullable: true), .integer("new_customers"),
        ])

    private static let campaignId = table.field("campaign_id"), quarter = table.field("quarter")
    private static let requested = table.field("requested_minor"), decision = table.field("decision")
    private static let approved = table.field("approved_minor"), reason = table.field("rejection_reason")
    private static let spent = table.field("spent_minor"), revenue = table.field("revenue_minor")
    private static let conversions = table.field("conversions"), exceeded = table.field("exceeded_reported")
    private static let completed = table.field("completed"), released = table.field("released_minor")
    private static let channel = table.field("channel"), newCustomers = table.field("new_customers")

    // MARK: Reads

    public static func account(_ campaignId: String, in session: any SQLSession) throws -> CampaignAccount? {
        try ModelFiguresTable.withCredits(table.rows([campaignId], in: session).map(account), in: session).first
    }

    /// One page of the accounts, by campaign id.
    public static func accounts(_ page: PageRequest, in session: any SQLSession) throws -> [CampaignAccount] {
        try ModelFiguresTable.withCredits(
            session.page(table.select, key: "campaign_id", page).map(account), in: session)
    }

    /// What was approved for the campaigns starting in `quarter`, per channel (a campaign whose
    /// channel is unknown counts under `other`); a channel with no approval is absent.
    public static func approvedByChannel(in quarter: Quarter, in session: any SQLSession) throws -> [Channel: Int64] {
        let approvals = table.only("channel", "approved_minor")
        let channel = approvals.field("channel")
        let amount = approvals.field("approved_minor")
        var approved: [Channel: Int64] = [:]
        let rows = try session.query(
            "\(approvals.select) WHERE quarter = ? AND decision = 'approved'", [.text(quarter.description)])
        for row in rows {
            let name = row.text(channel) ?? Channel.other.rawValue
            guard let channel = Channel(rawValue: name) else {
                throw StorageError("fin_accounts holds an unknown channel '\(name)' in \(quarter)")
            }
            // Saturates past 64 bits (far beyond any envelope).
            approved[channel] = checkedSum(approved[channel] ?? 0, row.integer(amount) ?? 0) ?? .max
        }
        return approved
    }

    static func all(in session: any SQLSession) throws -> [CampaignAccount] {
        try ModelFiguresTable.withCredits(table.all(in: session).map(account), every: true, in: session)
    }

    /// The accounts of `campaignIds` (sorted: one lock order), locked, created where missing
    /// (`Table.lockOrCreate`), without their credited figures (`ModelFiguresTable`); an account that
    /// does not read back is set aside with why, so that only the events that need it are refused.
    static func lockOrCreate(_ campaignIds: [String], in session: any SQLSession) throws
        -> (accounts: [CampaignAccount], unreadable: UnreadableRows, created: Set<UTF8Key>)
    {
        let (rows, created) = try table.lockOrCreate(campaignIds, in: session)
        var unreadable = UnreadableRows()
        let accounts = unreadable.read(rows, of: table, with: account)
        return (accounts, unreadable, created)
    }

    // MARK: Writes

    static func save(_ accounts: [CampaignAccount], in session: any SQLSession) throws {
        try table.insert(accounts.map(values), onConflict: .replace, in: session)
    }

    static func delete(_ campaignIds: Set<UTF8Key>, in session: any SQLSession) throws {
        try table.delete(campaignIds.sorted().map(\.string), in: session)
    }

    // MARK: Rows

    private static func values(_ a: CampaignAccount) -> [SQLValue] {
        var decision: String?
        var approved: Int64?
        var reason: String?
        switch a.decision {
        case .approved(let amount): (decision, approved) = ("approved", amount)
        case .rejected(let why): (decision, reason) = ("rejected", why.rawValue)
        case nil: break
        }
        return [
            .text(a.campaignId), SQLValue(a.quarter?.description), SQLValue(a.requestedMinor), SQLValue(decision),
            SQLValue(approved), SQLValue(reason), .integer(a.spentMinor), .integer(a.revenueMinor),
            .integer(a.conversions), .integer(a.exceededReported ? 1 : 0), .integer(a.completed ? 1 : 0),
            .integer(a.releasedMinor), SQLValue(a.channel?.rawValue), .integer(a.newCustomers),
        ]
    }

    private static func account(_ row: SQLRow) throws -> CampaignAccount {
        guard let id = row.text(Self.campaignId) else {
            throw StorageError("fin_accounts holds a row without a campaign id")
        }
        var account = CampaignAccount(campaignId: id)
        if let text = row.text(Self.quarter) {
            guard let quarter = Quarter(text) else {
                throw StorageError("fin_accounts row \(id) holds quarter '\(text)', which does not read back")
            }
            account.quarter = quarter
        }
        if let text = row.text(Self.channel) {
            guard let channel = Channel(rawValue: text) else {
                throw StorageError("fin_accounts row \(id) holds an unknown channel '\(text)'")
            }
            account.channel = channel
        }
        account.requestedMinor = row.integer(Self.requested)
        switch row.text(Self.decision) {
        case "approved": account.decision = .approved(amountMinor: row.integer(Self.approved) ?? 0)
        case "rejected":
            guard let reason = row.text(Self.reason).flatMap(BudgetRejectionReason.init(rawValue:)) else {
                throw StorageError("fin_accounts row \(id) holds an unknown rejection reason \(row.value(Self.reason))")
            }
            account.decision = .rejected(reason)
        default: break
        }
        account.spentMinor = row.integer(Self.spent) ?? 0
        account.revenueMinor = row.integer(Self.revenue) ?? 0
        account.conversions = row.integer(Self.conversions) ?? 0
        account.exceededReported = row.integer(Self.exceeded) == 1
        account.completed = row.integer(Self.completed) == 1
        account.releasedMinor = row.integer(Self.released) ?? 0
        account.newCustomers = row.integer(Self.newCustomers) ?? 0
        return account
    }
}
