import Foundation
import Synchronization

/// Prunes expired rows from a table that has no index on their age. Such an index would cost every
/// insert a second b-tree write (applied event ids and IT's touches are written once per event);
/// instead each round walks the next stretch of the table in primary-key order, from where the last
/// round stopped, deletes the rows older than the cutoff, and starts over at the end.
///
/// A pass over the table is sized to take about half of `lifetime` (how long rows are kept), from
/// the table's size and the time between rounds, and a round examines at least `minimumStretch` and
/// at most `maximumStretch` rows. So a row is read a few times over its life, and it is gone about
/// half a lifetime after it expired (longer only when the table outgrows the largest stretch). The
/// position is the process's own: after a restart a pass starts at the beginning.
public final class AgeSweep: Sendable {
    public let table: String
    /// The primary key's columns, in its order.
    public let key: [String]
    /// An integer column: rows whose value is below the cutoff are deleted.
    public let age: String
    public let lifetime: Duration
    public let minimumStretch: Int
    public let maximumStretch: Int

    private struct Position {
        /// The last key examined in this pass; none at its start.
        var after: [SQLValue]?
        var examinedThisPass = 0
        var lastPass = 0
        var lastRound: ContinuousClock.Instant?
    }

    private let position = Mutex(Position())

    public init(
        table: String, key: [String], age: String, lifetime: Duration, minimumStretch: Int = 10_000,
        maximumStretch: Int = 500_000
    ) {
        precondition(!key.isEmpty && minimumStretch > 0 && maximumStretch >= minimumStretch)
        self.table = table
        self.key = key
        self.age = age
        self.lifetime = lifetime
        self.minimumStretch = minimumStretch
        self.maximumStretch = maximumStretch
    }

    /// How many rows a round examines: the table's size spread over the rounds that fit in half a
    /// lifetime at `interval` between rounds, within the bounds.
    public static func stretch(tableSize: Int, interval: Duration, lifetime: Duration, minimum: Int, maximum: Int)
        -> Int
    {
        let half = seconds(lifetime) / 2
        guard half > 0 else { return maximum }
        let share = Double(tableSize) * seconds(interval) / half
        return Int(min(max(share.rounded(.up), Double(minimum)), Double(maximum)))
    }

    /// One round: deletes the rows older than `cutoff` among the next stretch of the table, in the
    /// caller's transaction; returns how many. (If the transaction rolls back, the next round goes
    /// on after the stretch anyway; its rows are examined again on the next pass.)
    public func sweep(olderThan cutoff: Int64, in session: any SQLSession) throws -> Int {
        let now = ContinuousClock.now
        let (after, stretch) = position.withLock { position in
            let interval = position.lastRound.map { now - $0 } ?? .zero
            position.lastRound = now
            let size = max(position.lastPass, position.examinedThisPass)
            return (
                position.after,
                Self.stretch(
                    tableSize: size, interval: interval, lifetime: lifetime, minimum: minimumStretch,
                    maximum: maximumStretch)
            )
        }
        let columns = key.joined(separator: ", ")
        let tuple = "(\(columns))"
        let placeholders = "(" + Array(repeating: "?", count: key.count).joined(separator: ", ") + ")"
        let (from, fromArguments) = after.map { ("\(tuple) > \(placeholders)", $0) } ?? ("1 = 1", [])
        // The stretch's last key; none when fewer rows are left (the pass ends with them).
        let end = try session.query(
            "SELECT \(columns) FROM \(table) WHERE \(from) ORDER BY \(columns) LIMIT 1 OFFSET ?",
            fromArguments + [.integer(Int64(stretch - 1))]
        ).first
        let through = end == nil ? "" : " AND \(tuple) <= \(placeholders)"
        let deleted = try session.query(
            "DELETE FROM \(table) WHERE \(from)\(through) AND \(age) < ? RETURNING 1",
            fromArguments + (end ?? []) + [.integer(cutoff)]
        ).count
        position.withLock { position in
            position.examinedThisPass += stretch  // at most that many at a pass's end
            if let end {
                position.after = end
            } else {
                position.after = nil
                position.lastPass = position.examinedThisPass
                position.examinedThisPass = 0
            }
        }
        return deleted
    }

    private static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
