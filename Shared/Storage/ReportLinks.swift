import TriadEvents

/// The traces a coalesced report summarises. While tracing, the transaction that applies an event
/// records its span's `traceparent` under each campaign the event counts towards (a few per campaign
/// and batch); the report about that campaign takes them: it continues the trace of the latest and
/// links to the rest. A table rather than memory, so that with several instances on one PostgreSQL
/// database the one that reports sees what the others handled.
public enum ReportLinks {
    /// Links no report round took within an hour (reports failing, or a leader that does not take
    /// them yet during a rolling upgrade) are dropped by housekeeping.
    public static let keptMilliseconds: Int64 = 3_600_000

    public static func prune(recordedBefore milliseconds: Int64, in session: any SQLSession) throws -> Int {
        try session.query("DELETE FROM report_links WHERE recorded_at < ? RETURNING 1", [.integer(milliseconds)]).count
    }

    private static let columns: [Column] = [.text("aggregate"), .text("traceparent"), .integer("recorded_at")]

    public static func record(
        _ links: [(aggregate: String, traceparent: String)], at milliseconds: Int64, in session: any SQLSession
    ) throws {
        try session.insert(
            into: "report_links", columns,
            rows: links.map { [.text($0.aggregate), .text($0.traceparent), .integer(milliseconds)] })
    }

    /// Every recorded link, oldest first per aggregate, removed from the table (in the report's
    /// transaction: a failed report leaves them for the next round).
    public static func take(in session: any SQLSession) throws -> [UTF8Key: [String]] {
        let rows = try session.query("SELECT seq, aggregate, traceparent FROM report_links ORDER BY seq")
        guard !rows.isEmpty else { return [:] }
        var links: [UTF8Key: [String]] = [:]
        var taken: [SQLValue] = []
        for row in rows {
            guard let seq = row[0].integer, let aggregate = row[1].text, let traceparent = row[2].text else { continue }
            links[aggregate.utf8Key, default: []].append(traceparent)
            taken.append(.integer(seq))
        }
        for chunk in stride(from: 0, to: taken.count, by: 500) {
            let part = Array(taken[chunk..<min(chunk + 500, taken.count)])
            try session.query(
                "DELETE FROM report_links WHERE seq IN (\(Array(repeating: "?", count: part.count).joined(separator: ", ")))",
                part)
        }
        return links
    }
}
