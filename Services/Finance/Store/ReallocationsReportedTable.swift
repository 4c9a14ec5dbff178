import Finance
import TriadEvents
import TriadStorage

/// `fin_reallocations_reported`: the last proposal finance emitted for each quarter, one row per
/// channel (its proposed amount), with the quarter's revision on every row.
enum ReallocationsReportedTable {
    static let table = Table(
        "fin_reallocations_reported", key: 2,
        [.text("quarter"), .text("channel"), .integer("proposed_minor"), .integer("revision")])

    private static let channel = table.field("channel"), proposed = table.field("proposed_minor")
    private static let revision = table.field("revision")

    /// What was last emitted for `quarter`: the proposed amount per channel and the revision (0 and
    /// nothing before the first).
    static func last(_ quarter: Quarter, in session: any SQLSession) throws
        -> (proposedMinor: [Channel: Int64], revision: Int64)
    {
        var amounts: [Channel: Int64] = [:]
        var last: Int64 = 0
        for row in try table.rows([quarter.description], in: session) {
            guard let name = row.text(channel), let channel = Channel(rawValue: name) else {
                throw StorageError("\(table.name) row of \(quarter) holds an unknown channel \(row.value(channel))")
            }
            amounts[channel] = row.integer(proposed) ?? 0
            last = max(last, row.integer(revision) ?? 0)
        }
        return (amounts, last)
    }

    /// Records `proposal` as the quarter's last emitted one, in place of the one before.
    static func record(_ proposal: ReallocationProposed, in session: any SQLSession) throws {
        try table.delete([proposal.quarter.description], in: session)
        try table.insert(
            proposal.channels.map {
                [
                    .text(proposal.quarter.description), .text($0.channel.rawValue), .integer($0.proposed.amountMinor),
                    .integer(proposal.revision),
                ]
            }, in: session)
    }
}
