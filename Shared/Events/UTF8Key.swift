/// A string as a key: equal, hashed and ordered by its UTF-8 bytes.
///
/// Swift's `String` compares and hashes by Unicode canonical equivalence, so `café` spelled with
/// U+00E9 and with `e` + U+0301 are one `String` key, while SQLite, PostgreSQL (`"C"` collation) and
/// Kafka see two. Triad's identity of an identifier is its bytes everywhere: every collection keyed
/// by an identifier (campaign, customer, order, event id, segment) keys by `UTF8Key`, and sorting by
/// it gives the byte order the databases use, so lock order and pages agree with SQL.
public struct UTF8Key: Hashable, Comparable, Sendable, CustomStringConvertible, ExpressibleByStringLiteral {
    public let string: String

    public init(_ string: String) { self.string = string }
    public init(stringLiteral value: String) { string = value }

    public static func == (a: UTF8Key, b: UTF8Key) -> Bool {
        a.string.utf8.count == b.string.utf8.count && a.string.utf8.elementsEqual(b.string.utf8)
    }

    public func hash(into hasher: inout Hasher) {
        let hashed: Void? = string.utf8.withContiguousStorageIfAvailable {
            hasher.combine(bytes: UnsafeRawBufferPointer($0))
        }
        if hashed == nil { for byte in string.utf8 { hasher.combine(byte) } }
        hasher.combine(0xFF as UInt8)  // never a UTF-8 byte: ends the key, so keys side by side stay apart
    }

    /// Byte order, as SQLite's `BINARY` and PostgreSQL's `"C"` collation sort.
    public static func < (a: UTF8Key, b: UTF8Key) -> Bool {
        a.string.utf8.lexicographicallyPrecedes(b.string.utf8)
    }

    public var description: String { string }
}

extension UTF8Key: Codable, CodingKeyRepresentable {
    public init(from decoder: any Decoder) throws { string = try decoder.singleValueContainer().decode(String.self) }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(string)
    }

    public var codingKey: any CodingKey { Name(stringValue: string) }

    public init?<T: CodingKey>(codingKey: T) { string = codingKey.stringValue }

    private struct Name: CodingKey {
        let stringValue: String
        init(stringValue: String) { self.stringValue = stringValue }
        var intValue: Int? { nil }
        init?(intValue: Int) { nil }
    }
}

extension String {
    /// This string as a key compared by its UTF-8 bytes (see `UTF8Key`).
    public var utf8Key: UTF8Key { UTF8Key(self) }
}

extension Sequence<String> {
    /// The distinct strings, told apart by their bytes, in byte order (the databases' key order).
    public func distinctInByteOrder() -> [String] { Set(map { UTF8Key($0) }).sorted().map(\.string) }
}
