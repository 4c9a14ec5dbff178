import Marketing
import TriadEvents
import TriadStorage

/// `mkt_churn_flow`: churn-risk episodes flagged and recovered per quarter and segment, written as
/// increments.
enum ChurnFlowTable {
    static let table = Table(
        "mkt_churn_flow", key: 2, [.text("quarter"), .text("segment"), .integer("flagged"), .integer("recovered")])

    private static let quarter = table.field("quarter"), segment = table.field("segment")
    private static let flagged = table.field("flagged"), recovered = table.field("recovered")

    static func save(_ state: MarketingState, in session: any SQLSession) throws {
        try table.insert(
            state.churnFlows.sorted { ($0.key.quarter, $0.key.segment) < ($1.key.quarter, $1.key.segment) }.map {
                key, flow in
                [.text(key.quarter.description), .text(key.segment), .integer(flow.flagged), .integer(flow.recovered)]
            }, onConflict: .add, in: session)
    }

    /// The flows of the newest quarter (written with four year digits, so it sorts last).
    static func newestQuarter(in session: any SQLSession) throws -> [ChurnFlowKey: ChurnFlow] {
        var flows: [ChurnFlowKey: ChurnFlow] = [:]
        for row in try session.query("\(table.select) WHERE quarter = (SELECT MAX(quarter) FROM mkt_churn_flow)") {
            guard let quarter = row.text(Self.quarter).flatMap(Quarter.init), let segment = row.text(Self.segment)
            else { continue }
            flows[ChurnFlowKey(quarter: quarter, segment: segment)] = ChurnFlow(
                flagged: row.integer(Self.flagged) ?? 0, recovered: row.integer(Self.recovered) ?? 0)
        }
        return flows
    }
}
