import Foundation
import TriadKafka
import TriadWire

/// A message waiting in the outbox.
public struct OutboxMessage: Sendable, Equatable {
    public var sequence: Int64
    public var topic: String
    /// The CloudEvents type, or `dead-letter`; for metrics.
    public var eventType: String
    public var key: [UInt8]?
    public var value: [UInt8]
    public var headers: [KafkaHeader]

    public init(
        sequence: Int64 = 0, topic: String, eventType: String, key: [UInt8]?, value: [UInt8], headers: [KafkaHeader]
    ) {
        self.sequence = sequence
        self.topic = topic
        self.eventType = eventType
        self.key = key
        self.value = value
        self.headers = headers
    }

    /// The headers as a JSON array of `[name, base64 value]` pairs, written directly (this runs
    /// for every outbox row inside the writing transaction).
    var encodedHeaders: String {
        var text = "["
        for (index, header) in headers.enumerated() {
            if index > 0 { text += "," }
            text += "["
            JSONString.quote(header.name, into: &text)
            text += ",\""
            text += Data(header.value).base64EncodedString()
            text += "\"]"
        }
        return text + "]"
    }

    static func decodeHeaders(_ text: String) -> [KafkaHeader] {
        // The relay reads every row: the common case (no escapes in names) skips Foundation's decoder.
        let pairs =
            JSONStringPairs.parse(text)
            ?? (try? JSONDecoder().decode([[String]].self, from: Data(text.utf8)))?.compactMap { pair in
                pair.count == 2 ? (pair[0], pair[1]) : nil
            } ?? []
        return pairs.compactMap { name, value in Data(base64Encoded: value).map { KafkaHeader(name, [UInt8]($0)) } }
    }
}

/// Writing the outbox (with the state changes that caused the messages) and reading and clearing
/// it (for the relay).
public enum Outbox {
    private static let columns: [Column] = [
        .text("topic"), .text("event_type"), .blob("key", nullable: true), .blob("value"), .text("headers"),
        .integer("created_at"),
    ]

    /// Appends messages in order, with one statement on PostgreSQL.
    public static func append(_ messages: [OutboxMessage], in session: any SQLSession) throws {
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        try session.insert(
            into: "outbox", columns,
            rows: messages.map { message in
                [
                    .text(message.topic), .text(message.eventType), message.key.map { .blob($0) } ?? .null,
                    .blob(message.value), .text(message.encodedHeaders), .integer(now),
                ]
            })
    }

    /// The oldest waiting messages, in the order they were written.
    public static func next(_ limit: Int, in session: any SQLSession) throws -> [OutboxMessage] {
        try session.query(
            "SELECT seq, topic, event_type, key, value, headers FROM outbox ORDER BY seq LIMIT ?",
            [.integer(Int64(limit))]
        ).map { row in
            OutboxMessage(
                sequence: row[0].integer ?? 0, topic: row[1].text ?? "", eventType: row[2].text ?? "",
                key: row[3].bytes,
                value: row[4].bytes ?? [], headers: OutboxMessage.decodeHeaders(row[5].text ?? "[]"))
        }
    }

    /// Removes published messages by their sequence numbers.
    public static func remove(_ sequences: [Int64], in session: any SQLSession) throws {
        guard !sequences.isEmpty else { return }
        if session.dialect == .postgres {  // one statement, one round trip
            try session.query("DELETE FROM outbox WHERE seq = ANY(?::bigint[])", [.integers(sequences)])
            return
        }
        for chunk in stride(from: 0, to: sequences.count, by: 500).map({
            Array(sequences[$0..<min($0 + 500, sequences.count)])
        }) {
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
