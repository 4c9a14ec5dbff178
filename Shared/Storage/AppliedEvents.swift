import TriadEvents

/// The ids of the events a service applied, recorded in the transaction that applies them, so a
/// redelivered event changes nothing. Ids are kept for the dedupe window, then pruned.
public enum AppliedEvents {
    /// A CloudEvents identity: ids are unique per source. Both compare by their bytes (`UTF8Key`),
    /// as the table's key does.
    public struct Key: Hashable, Sendable {
        public let source: String
        public let id: String
        public init(source: String, id: String) {
            self.source = source
            self.id = id
        }

        public static func == (a: Key, b: Key) -> Bool {
            a.source.utf8Key == b.source.utf8Key && a.id.utf8Key == b.id.utf8Key
        }

        public func hash(into hasher: inout Hasher) {
            hasher.combine(source.utf8Key)
            hasher.combine(id.utf8Key)
        }
    }

    private static let columns: [Column] = [.text("source"), .text("id"), .integer("applied_at")]

    /// Records the events as applied and tells, for each key in order, whether it is new: not
    /// recorded before and not earlier in `keys`. One statement on PostgreSQL, where concurrent
    /// transactions recording the same id wait for each other, so exactly one of them sees it as new.
    public static func record(_ keys: [Key], at milliseconds: Int64, in session: any SQLSession) throws -> [Bool] {
        let row = { (key: Key) -> [SQLValue] in [.text(key.source), .text(key.id), .integer(milliseconds)] }
        // SQLite inserts row by row, so a key repeated later in `keys` finds the first one there.
        guard session.dialect == .postgres else {
            return try session.insertNew(into: "applied_events", columns, rows: keys.map(row), key: 2)
        }
        var seen: Set<Key> = []
        seen.reserveCapacity(keys.count)
        var unique: [Int] = []  // positions of first occurrences
        unique.reserveCapacity(keys.count)
        for (position, key) in keys.enumerated() where seen.insert(key).inserted { unique.append(position) }
        // One lock order for every instance: the table's, by bytes.
        unique.sort { (keys[$0].source.utf8Key, keys[$0].id.utf8Key) < (keys[$1].source.utf8Key, keys[$1].id.utf8Key) }
        let inserted = try session.insertNew(
            into: "applied_events", columns, rows: unique.map { row(keys[$0]) }, key: 2)
        var new = [Bool](repeating: false, count: keys.count)
        for (position, wasInserted) in zip(unique, inserted) { new[position] = wasInserted }
        return new
    }

    /// Takes back events recorded in this transaction that were then refused (so a fixed one can be replayed).
    public static func forget(_ keys: [Key], in session: any SQLSession) throws {
        for key in keys {
            try session.query(
                "DELETE FROM applied_events WHERE source = ? AND id = ?", [.text(key.source), .text(key.id)])
        }
    }

    /// What drops ids kept longer than `window`: `sweep(olderThan:)` takes the cutoff in
    /// milliseconds since the epoch. The table has no index on `applied_at` (see `AgeSweep`).
    public static func sweep(keptFor window: Duration) -> AgeSweep {
        AgeSweep(table: "applied_events", key: ["source", "id"], age: "applied_at", lifetime: window)
    }

    public static func count(in session: any SQLSession) throws -> Int64 {
        try session.query("SELECT COUNT(*) FROM applied_events").first?.first?.integer ?? 0
    }
}

/// Which source positions were dead-lettered, so a bad message redelivered is not dead-lettered
/// twice. A digest of the value tells a redelivery from a new message at the same position (a
/// topic deleted and created again).
public enum DeadLetterMemo {
    /// True the first time this message is seen here.
    public static func firstTime(
        topic: String, partition: Int32, offset: Int64, value: [UInt8], at milliseconds: Int64,
        in session: any SQLSession
    ) throws -> Bool {
        !(try session.query(
            """
            INSERT INTO dead_lettered (topic, partition_id, message_offset, digest, recorded_at) VALUES (?, ?, ?, ?, ?)
            ON CONFLICT (topic, partition_id, message_offset) DO UPDATE SET digest = excluded.digest, recorded_at = excluded.recorded_at
            WHERE dead_lettered.digest <> excluded.digest RETURNING 1
            """,
            [
                .text(topic), .integer(Int64(partition)), .integer(offset), .integer(digest(value)),
                .integer(milliseconds),
            ]
        ).isEmpty)
    }

    @discardableResult
    public static func prune(recordedBefore cutoff: Int64, in session: any SQLSession) throws -> Int {
        try session.query("DELETE FROM dead_lettered WHERE recorded_at < ? RETURNING 1", [.integer(cutoff)]).count
    }

    /// FNV-1a, 64 bits.
    static func digest(_ bytes: [UInt8]) -> Int64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash ^= UInt64(byte)
            hash &*= 0x100_0000_01b3
        }
        return Int64(bitPattern: hash)
    }
}
