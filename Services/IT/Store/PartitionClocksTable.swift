import Analytics
import TriadEvents
import TriadStorage

/// `it_partition_clocks`: the newest `occurredAt` per partition (the clock inactivity is measured on).
enum PartitionClocksTable {
    static let table = Table("it_partition_clocks", [.integer("partition_id"), .integer("clock")])

    private static let partition = table.field("partition_id"), clock = table.field("clock")

    static func clocks(_ partitions: [Int32], in session: any SQLSession) throws -> [Int32: Timestamp] {
        var clocks: [Int32: Timestamp] = [:]
        for row in try session.query(
            "\(table.select) WHERE CAST(partition_id AS TEXT) {keys}", keys: partitions.map { String($0) })
        {
            if let partition = row.integer(Self.partition), let clock = row.integer(Self.clock) {
                clocks[Int32(partition)] = Timestamp(millisecondsSinceEpoch: clock)
            }
        }
        return clocks
    }

    /// A clock only moves forward.
    static func save(_ state: AnalyticsState, in session: any SQLSession) throws {
        try table.insert(
            state.clocksChanged.map { [.integer(Int64($0.partition)), .integer($0.clock.millisecondsSinceEpoch)] },
            onConflict: .replaceWhere("excluded.clock > it_partition_clocks.clock"), in: session)
    }

    /// The newest partition clock: the latest event time IT has seen; nil before any.
    static func newest(in session: any SQLSession) throws -> Timestamp? {
        try session.query("SELECT MAX(clock) FROM it_partition_clocks").first?.first?.integer.map {
            Timestamp(millisecondsSinceEpoch: $0)
        }
    }

    /// The oldest partition clock; nil before any.
    static func oldest(in session: any SQLSession) throws -> Int64? {
        try session.query("SELECT MIN(clock) FROM it_partition_clocks").first?.first?.integer
    }
}
