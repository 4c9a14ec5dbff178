import Marketing
import TriadEvents
import TriadStorage

/// `mkt_churn_risk`: customers IT flagged at churn risk, with their current segment and whether the
/// episode is still open (`ChurnRiskCountsTable` counts the open ones by segment).
enum ChurnRiskTable {
    static let table = Table("mkt_churn_risk", [.text("customer_id"), .text("segment"), .integer("at_risk")])

    private static let customerId = table.field("customer_id"), segment = table.field("segment")
    private static let atRisk = table.field("at_risk")

    /// Locked until the transaction ends (a customer's events are on one partition, but a rebalance
    /// may hand it over mid-batch).
    static func lock(_ customers: [String], in session: any SQLSession) throws -> [UTF8Key: ChurnRecord] {
        var found: [UTF8Key: ChurnRecord] = [:]
        for row in try table.rows(customers, locking: true, in: session) {
            if let id = row.text(Self.customerId), let segment = row.text(Self.segment) {
                found[id.utf8Key] = ChurnRecord(segment: segment, atRisk: row.integer(Self.atRisk) != 0)
            }
        }
        return found
    }

    static func save(_ state: MarketingState, in session: any SQLSession) throws {
        try table.insert(
            state.changedChurnRecords().map {
                [.text($0.customerId), .text($0.record.segment), .integer($0.record.atRisk ? 1 : 0)]
            },
            onConflict: .replace, in: session)
    }
}
