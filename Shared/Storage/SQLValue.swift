/// A value bound to or read from a SQL statement. The stores use four kinds only, so one code
/// path serves SQLite and PostgreSQL alike; arrays are bound on PostgreSQL only (`= ANY(?)`,
/// `unnest(?)`), where one statement then carries a whole batch.
public enum SQLValue: Sendable, Hashable, ExpressibleByStringLiteral, ExpressibleByIntegerLiteral {
    case null
    case integer(Int64)
    case text(String)
    case blob([UInt8])
    case texts([String])
    case integers([Int64])
    case blobs([[UInt8]])
    case booleans([Bool])

    public init(stringLiteral value: String) { self = .text(value) }
    public init(integerLiteral value: Int64) { self = .integer(value) }

    public init(_ value: String?) { self = value.map { .text($0) } ?? .null }
    public init(_ value: Int64?) { self = value.map { .integer($0) } ?? .null }

    public var integer: Int64? {
        switch self {
        case .integer(let value): value
        case .text(let text): Int64(text)
        default: nil
        }
    }

    public var text: String? {
        switch self {
        case .text(let value): value
        case .integer(let value): String(value)
        case .blob(let bytes): String(validating: bytes, as: UTF8.self)
        default: nil
        }
    }

    public var bytes: [UInt8]? {
        switch self {
        case .blob(let bytes): bytes
        case .text(let text): Array(text.utf8)
        default: nil
        }
    }
}

/// One result row, by column position.
public typealias SQLRow = [SQLValue]

/// The SQL flavour a session speaks; statements are written once with `?` placeholders.
public enum SQLDialect: Sendable {
    case sqlite
    case postgres
}

/// A connection inside a transaction. Calls are synchronous: sessions only exist on a storage
/// thread (GRDB's writer queue or the PostgreSQL worker), never on Swift's cooperative pool.
public protocol SQLSession {
    var dialect: SQLDialect { get }
    /// Runs one statement with `?` placeholders and returns its rows (empty for statements without).
    @discardableResult
    func query(_ sql: String, _ arguments: [SQLValue]) throws -> [SQLRow]
}

extension SQLSession {
    @discardableResult
    public func query(_ sql: String) throws -> [SQLRow] { try query(sql, []) }
}

/// Runs one statement once per set of arguments; rows returned are concatenated. SQLite
/// implements it with one prepared statement.
protocol RepeatedStatement {
    func query(_ sql: String, repeatingFor arguments: [[SQLValue]]) throws -> [SQLRow]
    /// How many rows each run changed.
    func changes(_ sql: String, repeatingFor arguments: [[SQLValue]]) throws -> [Int]
}

/// A storage error that names what failed.
public struct StorageError: Error, Sendable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { "storage error: \(message)" }
}

/// Another transaction wrote a row this one took as absent (two instances creating the same new
/// key at once). Nothing of the transaction stays; running it again reads the row and waits on it.
public struct WriteConflict: Error, Sendable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { "write conflict: \(message)" }
}

/// A statement would have written a key a unique index already holds (PostgreSQL's 23505).
public struct UniqueViolation: Error, Sendable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { "unique violation: \(message)" }
}

/// A service's database: SQLite (embedded, one file per instance) or PostgreSQL (shared by the
/// instances of a service).
public protocol Database: Sendable {
    var dialect: SQLDialect { get }
    /// A human-readable location, without secrets.
    var location: String { get }
    /// Runs `body` in one transaction that commits when it returns and rolls back when it throws;
    /// returns once the commit is durable (survives a host crash).
    func transaction<T: Sendable>(_ body: @escaping @Sendable (any SQLSession) throws -> T) async throws -> T
    /// Like `transaction`, but returns as soon as the transaction committed, with what returns once
    /// the commit is durable: the next transaction may run meanwhile.
    func transactionDurableLater<T: Sendable>(_ body: @escaping @Sendable (any SQLSession) throws -> T) async throws
        -> (T, Durability)
    /// Runs `body` without taking write locks (a read-only view).
    func read<T: Sendable>(_ body: @escaping @Sendable (any SQLSession) throws -> T) async throws -> T
    /// Bytes the database takes on disk (SQLite: the file and its write-ahead log; PostgreSQL: the database).
    func sizeInBytes() async throws -> Int64
    func close() async
    /// Changes whenever the underlying session is replaced (PostgreSQL reconnects); 0 where there is
    /// no such thing.
    var connectionGeneration: Int { get }
    /// SQLite: how many transactions committed a change, so far (one that changed nothing proves
    /// nothing about a full disk or a read-only file); nil where any committed transaction counts.
    var changesCommitted: Int? { get }
    /// Takes the lock `key` for this process unless another holds it; true while this process
    /// holds it. PostgreSQL: a session advisory lock on a connection kept outside the pool, held
    /// until released or that connection is lost (which changes `connectionGeneration`); always
    /// true where each instance has a database of its own.
    func trySessionLock(_ key: Int64) async throws -> Bool
    /// Lets go of the lock `key` if this process holds it.
    func releaseSessionLock(_ key: Int64) async
}

/// Returns once a commit is durable; throws if it cannot be made so.
public typealias Durability = @Sendable () async throws -> Void

extension Database {
    public var connectionGeneration: Int { 0 }
    public var changesCommitted: Int? { nil }
    public func trySessionLock(_ key: Int64) async throws -> Bool { true }
    public func releaseSessionLock(_ key: Int64) async {}

    /// For a database whose commits are durable when they return.
    public func transactionDurableLater<T: Sendable>(_ body: @escaping @Sendable (any SQLSession) throws -> T)
        async throws
        -> (T, Durability)
    {
        (try await transaction(body), {})
    }
}
