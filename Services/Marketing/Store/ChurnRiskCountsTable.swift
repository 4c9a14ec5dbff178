import Marketing
import TriadEvents
import TriadStorage

/// `mkt_churn_risk_counts`: how many customers are at churn risk now, by segment — the open episodes
/// of `mkt_churn_risk`, kept as a count written as increments in the transaction that opens, ends or
/// moves an episode, so that the briefing reads a row per segment instead of counting every customer.
enum ChurnRiskCountsTable {
    static let table = Table("mkt_churn_risk_counts", [.text("segment"), .integer("at_risk")])

    private static let segment = table.field("segment"), atRisk = table.field("at_risk")

    /// Adds the state's changes, in segment order (one lock order for every instance).
    static func save(_ state: MarketingState, in session: any SQLSession) throws {
        try table.insert(
            state.churnRiskChanges.filter { $0.value != 0 }.sorted { $0.key < $1.key }.map {
                [.text($0.key.string), .integer($0.value)]
            }, onConflict: .add, in: session)
    }

    /// The customers at churn risk by segment (segments with none left out).
    static func bySegment(in session: any SQLSession) throws -> [UTF8Key: Int64] {
        var counts: [UTF8Key: Int64] = [:]
        for row in try session.query("\(table.select) WHERE at_risk > 0") {
            if let segment = row.text(Self.segment) { counts[segment.utf8Key] = row.integer(Self.atRisk) ?? 0 }
        }
        return counts
    }
}
