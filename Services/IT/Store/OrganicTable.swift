import Analytics
import TriadEvents
import TriadStorage

/// `it_organic`: purchases no campaign earned, per partition, written as increments.
public enum OrganicTable {
    static let table = Table(
        "it_organic", [.integer("partition_id"), .integer("purchases"), .integer("revenue_minor")])

    private static let partition = table.field("partition_id"), purchases = table.field("purchases")
    private static let revenue = table.field("revenue_minor")

    static func stored(_ partitions: [Int32], in session: any SQLSession) throws -> [Int32: OrganicTotals] {
        var stored: [Int32: OrganicTotals] = [:]
        for row in try session.query(
            "\(table.select) WHERE CAST(partition_id AS TEXT) {keys}", keys: partitions.map { String($0) })
        {
            stored[Int32(truncatingIfNeeded: row.integer(Self.partition) ?? 0)] = OrganicTotals(
                purchases: row.integer(Self.purchases) ?? 0, revenueMinor: row.integer(Self.revenue) ?? 0)
        }
        return stored
    }

    static func save(_ state: AnalyticsState, in session: any SQLSession) throws {
        try table.insert(
            state.organicByPartition.sorted { $0.key < $1.key }.map {
                [.integer(Int64($0.key)), .integer($0.value.purchases), .integer($0.value.revenueMinor)]
            }, onConflict: .add, in: session)
    }

    /// The totals over the partitions.
    public static func totals(in session: any SQLSession) throws -> OrganicTotals {
        let row = try session.query(
            "SELECT CAST(COALESCE(SUM(purchases), 0) AS BIGINT), CAST(COALESCE(SUM(revenue_minor), 0) AS BIGINT) FROM it_organic"
        ).first
        return OrganicTotals(purchases: row?.first?.integer ?? 0, revenueMinor: row?.last?.integer ?? 0)
    }
}
