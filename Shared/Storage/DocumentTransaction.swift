import Foundation

/// One unit of work over the document schema: typed reads and writes of JSON records, cached for
/// the transaction and written back by `flush()`. Service stores implement their domain protocols on
/// top of it.
///
/// On PostgreSQL, where instances of a service share the database, every record read for writing
/// is locked (`SELECT … FOR UPDATE`, after inserting an empty row when there is none, so even a new
/// key is serialized) until the transaction ends.
///
/// Domain store calls cannot throw, so a failing statement is remembered in `failure`; `flush()`
/// throws it, which rolls the whole transaction back.
public final class DocumentTransaction {
    public let session: any SQLSession
    private let locking: Bool
    private var cache: [Key: Entry] = [:]
    public private(set) var failure: (any Error)?

    private struct Key: Hashable {
        let kind: String
        let id: String
    }

    private struct Entry {
        var body: String?
        var due: Int64?
        var dirty: Bool
        /// An empty row this transaction inserted only to lock a missing key.
        var placeholder = false
    }

    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }()
    private static let decoder = JSONDecoder()

    /// `forWriting`: lock what is read (PostgreSQL only; SQLite has one writer at a time anyway).
    public init(session: any SQLSession, forWriting: Bool = true) {
        self.session = session
        self.locking = forWriting && session.dialect == .postgres
    }

    /// Runs a statement, remembering the first failure instead of throwing.
    @discardableResult
    public func attempt(_ sql: String, _ arguments: [SQLValue] = []) -> [SQLRow] {
        guard failure == nil else { return [] }
        do {
            return try session.query(sql, arguments)
        } catch {
            failure = error
            return []
        }
    }

    // MARK: Records

    public func get<T: Decodable>(_ type: T.Type, kind: String, id: String) -> T? {
        let key = Key(kind: kind, id: id)
        let entry = cache[key] ?? load(key)
        guard let body = entry.body else { return nil }
        do {
            return try Self.decoder.decode(T.self, from: Data(body.utf8))
        } catch {
            failure = failure ?? StorageError("record \(kind)/\(id) does not decode as \(T.self): \(error)")
            return nil
        }
    }

    public func put<T: Encodable>(_ value: T, kind: String, id: String, due: Int64? = nil) {
        do {
            let body = String(decoding: try Self.encoder.encode(value), as: UTF8.self)
            if cache[Key(kind: kind, id: id)] == nil, locking { _ = load(Key(kind: kind, id: id)) }
            cache[Key(kind: kind, id: id)] = Entry(body: body, due: due, dirty: true)
        } catch {
            failure = failure ?? StorageError("record \(kind)/\(id) does not encode: \(error)")
        }
    }

    private func load(_ key: Key) -> Entry {
        var inserted = false
        if locking {
            inserted = !attempt(
                "INSERT INTO records (kind, id, body, due) VALUES (?, ?, NULL, NULL) ON CONFLICT DO NOTHING RETURNING id",
                [.text(key.kind), .text(key.id)]
            ).isEmpty
        }
        let rows = attempt(
            "SELECT body, due FROM records WHERE kind = ? AND id = ?" + (locking ? " FOR UPDATE" : ""),
            [.text(key.kind), .text(key.id)])
        let entry = Entry(body: rows.first?[0].text, due: rows.first?[1].integer, dirty: false, placeholder: inserted)
        cache[key] = entry
        return entry
    }

    /// Every record of a kind (what this transaction changed included), ordered by id.
    public func all<T: Decodable>(_ type: T.Type, kind: String) -> [T] {
        flushRecords()
        let rows = attempt("SELECT id, body FROM records WHERE kind = ? AND body IS NOT NULL ORDER BY id", [.text(kind)])
        return rows.compactMap { row in
            guard let body = row[1].text else { return nil }
            return try? Self.decoder.decode(T.self, from: Data(body.utf8))
        }
    }

    /// Ids of every record of a kind, ordered.
    public func ids(kind: String) -> [String] {
        flushRecords()
        return attempt("SELECT id FROM records WHERE kind = ? AND body IS NOT NULL ORDER BY id", [.text(kind)])
            .compactMap { $0[0].text }
    }

    /// Records of a kind whose `due` is at or before `limit`, earliest first.
    public func due<T: Decodable>(_ type: T.Type, kind: String, atOrBefore limit: Int64) -> [T] {
        flushRecords()
        let rows = attempt(
            "SELECT id, body, due FROM records WHERE kind = ? AND due IS NOT NULL AND due <= ? ORDER BY due, id"
                + (locking ? " FOR UPDATE" : ""),
            [.text(kind), .integer(limit)])
        return rows.compactMap { row in
            guard let id = row[0].text, let body = row[1].text else { return nil }
            cache[Key(kind: kind, id: id)] = Entry(body: body, due: row[2].integer, dirty: false)
            return try? Self.decoder.decode(T.self, from: Data(body.utf8))
        }
    }

    private func flushRecords() {
        for (key, entry) in cache where entry.placeholder && !entry.dirty && entry.body == nil {
            attempt("DELETE FROM records WHERE kind = ? AND id = ? AND body IS NULL", [.text(key.kind), .text(key.id)])
            cache[key]?.placeholder = false
        }
        for (key, entry) in cache where entry.dirty {
            attempt(
                """
                INSERT INTO records (kind, id, body, due) VALUES (?, ?, ?, ?)
                ON CONFLICT (kind, id) DO UPDATE SET body = excluded.body, due = excluded.due
                """,
                [.text(key.kind), .text(key.id), SQLValue(entry.body), SQLValue(entry.due)])
            cache[key]?.dirty = false
            cache[key]?.placeholder = false
        }
    }

    // MARK: Markers

    /// Adds an id to a set; false when it was there already.
    public func insertMarker(kind: String, id: String) -> Bool {
        !attempt(
            "INSERT INTO markers (kind, id) VALUES (?, ?) ON CONFLICT DO NOTHING RETURNING id", [.text(kind), .text(id)]
        ).isEmpty
    }

    /// Removes and returns every id of a set, ordered.
    public func takeMarkers(kind: String) -> [String] {
        attempt("DELETE FROM markers WHERE kind = ? RETURNING id", [.text(kind)]).compactMap { $0[0].text }.sorted()
    }

    // MARK: Applied events and the outbox

    /// Whether an event with this source and id was applied before (a redelivery).
    public func isApplied(source: String, id: String) -> Bool {
        !attempt("SELECT 1 FROM applied_events WHERE source = ? AND id = ?", [.text(source), .text(id)]).isEmpty
    }

    /// Records that an event was applied, in the transaction that applies it. A plain insert: should
    /// two transactions ever apply the same event, the second fails and rolls back.
    public func markApplied(source: String, id: String) {
        attempt(
            "INSERT INTO applied_events (source, id, applied_at) VALUES (?, ?, ?)",
            [.text(source), .text(id), .integer(Int64(Date().timeIntervalSince1970 * 1000))])
    }

    public func appendOutbox(_ message: OutboxMessage) {
        attempt(
            "INSERT INTO outbox (topic, event_type, key, value, headers, created_at) VALUES (?, ?, ?, ?, ?, ?)",
            [
                .text(message.topic), .text(message.eventType), message.key.map { .blob($0) } ?? .null, .blob(message.value),
                .text(message.encodedHeaders), .integer(Int64(Date().timeIntervalSince1970 * 1000)),
            ])
    }

    /// Writes back what changed; throws the first failure of the transaction.
    public func flush() throws {
        flushRecords()
        if let failure { throw failure }
    }
}

/// A message waiting in the outbox.
public struct OutboxMessage: Sendable, Equatable {
    public var sequence: Int64
    public var topic: String
    /// The CloudEvents type, or `dead-letter`; for metrics.
    public var eventType: String
    public var key: [UInt8]?
    public var value: [UInt8]
    public var headers: [(name: String, value: [UInt8])]

    public init(
        sequence: Int64 = 0, topic: String, eventType: String, key: [UInt8]?, value: [UInt8],
        headers: [(name: String, value: [UInt8])]
    ) {
        self.sequence = sequence
        self.topic = topic
        self.eventType = eventType
        self.key = key
        self.value = value
        self.headers = headers
    }

    public static func == (a: OutboxMessage, b: OutboxMessage) -> Bool {
        a.sequence == b.sequence && a.topic == b.topic && a.eventType == b.eventType && a.key == b.key && a.value == b.value
            && a.headers.map(\.name) == b.headers.map(\.name) && a.headers.map(\.value) == b.headers.map(\.value)
    }

    var encodedHeaders: String {
        let pairs = headers.map { [$0.name, Data($0.value).base64EncodedString()] }
        return String(decoding: (try? JSONEncoder().encode(pairs)) ?? Data("[]".utf8), as: UTF8.self)
    }

    static func decodeHeaders(_ text: String) -> [(name: String, value: [UInt8])] {
        guard let pairs = try? JSONDecoder().decode([[String]].self, from: Data(text.utf8)) else { return [] }
        return pairs.compactMap { pair in
            guard pair.count == 2, let value = Data(base64Encoded: pair[1]) else { return nil }
            return (pair[0], [UInt8](value))
        }
    }
}

/// Reading and clearing the outbox, for the relay.
public enum Outbox {
    /// The oldest waiting messages, in the order they were written.
    public static func next(_ limit: Int, in session: any SQLSession) throws -> [OutboxMessage] {
        try session.query(
            "SELECT seq, topic, event_type, key, value, headers FROM outbox ORDER BY seq LIMIT ?", [.integer(Int64(limit))]
        ).map { row in
            OutboxMessage(
                sequence: row[0].integer ?? 0, topic: row[1].text ?? "", eventType: row[2].text ?? "", key: row[3].bytes,
                value: row[4].bytes ?? [], headers: OutboxMessage.decodeHeaders(row[5].text ?? "[]"))
        }
    }

    /// Removes published messages by their sequence numbers.
    public static func remove(_ sequences: [Int64], in session: any SQLSession) throws {
        for chunk in stride(from: 0, to: sequences.count, by: 500).map({ Array(sequences[$0..<min($0 + 500, sequences.count)]) }) {
            let placeholders = Array(repeating: "?", count: chunk.count).joined(separator: ", ")
            try session.query("DELETE FROM outbox WHERE seq IN (\(placeholders))", chunk.map { .integer($0) })
        }
    }

    /// Moves a row the broker refused for good to `outbox_failed`, with the error.
    public static func setAside(_ sequence: Int64, error: String, in session: any SQLSession) throws {
        try session.query(
            """
            INSERT INTO outbox_failed (seq, topic, event_type, key, value, headers, created_at, error, failed_at)
            SELECT seq, topic, event_type, key, value, headers, created_at, ?, ? FROM outbox WHERE seq = ?
            """, [.text(error), .integer(Int64(Date().timeIntervalSince1970 * 1000)), .integer(sequence)])
        try session.query("DELETE FROM outbox WHERE seq = ?", [.integer(sequence)])
    }

    public static func backlog(in session: any SQLSession) throws -> Int64 {
        try session.query("SELECT COUNT(*) FROM outbox").first?.first?.integer ?? 0
    }
}
