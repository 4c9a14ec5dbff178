import Foundation
import GRDB

/// SQLite through GRDB, in WAL mode: one file per service instance.
public final class SQLiteDatabase: Database {
    private let pool: DatabasePool
    public let path: String

    public var dialect: SQLDialect { .sqlite }
    public var location: String { "sqlite:\(path)" }

    public init(path: String) throws {
        self.path = path
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in
            // A commit must survive a host crash: offsets are committed to Kafka right after it.
            try db.execute(sql: "PRAGMA synchronous = FULL")
            // Pages freed by pruning go back to the file system (takes effect on a new file).
            if !db.configuration.readonly { try db.execute(sql: "PRAGMA auto_vacuum = INCREMENTAL") }
            try db.execute(sql: "PRAGMA cache_size = -65536")
        }
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        pool = try DatabasePool(path: path, configuration: configuration)
    }

    public func transaction<T: Sendable>(_ body: @escaping @Sendable (any SQLSession) throws -> T) async throws -> T {
        try await pool.write { db in try body(GRDBSession(db: db)) }
    }

    public func read<T: Sendable>(_ body: @escaping @Sendable (any SQLSession) throws -> T) async throws -> T {
        try await pool.read { db in try body(GRDBSession(db: db)) }
    }

    public func sizeInBytes() async throws -> Int64 {
        let pages = try await pool.read { db in
            (try Int64.fetchOne(db, sql: "PRAGMA page_count") ?? 0) * (try Int64.fetchOne(db, sql: "PRAGMA page_size") ?? 0)
        }
        let wal = (try? FileManager.default.attributesOfItem(atPath: path + "-wal"))?[.size] as? Int64 ?? 0
        return pages + wal
    }

    public func close() async {
        try? pool.close()
    }
}

struct GRDBSession: SQLSession {
    let db: GRDB.Database
    var dialect: SQLDialect { .sqlite }

    @discardableResult
    func query(_ sql: String, _ arguments: [SQLValue]) throws -> [SQLRow] {
        // Statements are compiled once per connection and reused.
        let statement = try db.cachedStatement(sql: sql)
        try statement.setArguments(StatementArguments(try arguments.map { try $0.databaseValue }))
        var rows: [SQLRow] = []
        let cursor = try Row.fetchCursor(statement)
        while let row = try cursor.next() {
            rows.append(row.databaseValues.map(SQLValue.init(databaseValue:)))
        }
        return rows
    }
}

extension SQLValue {
    var databaseValue: DatabaseValue {
        get throws {
            switch self {
            case .null: .null
            case .integer(let value): value.databaseValue
            case .text(let value): value.databaseValue
            case .blob(let bytes): Data(bytes).databaseValue
            case .texts, .integers, .blobs, .booleans: throw StorageError("SQLite binds no arrays")
            }
        }
    }

    init(databaseValue: DatabaseValue) {
        switch databaseValue.storage {
        case .null: self = .null
        case .int64(let value): self = .integer(value)
        case .double(let value): self = .integer(Int64(value))
        case .string(let value): self = .text(value)
        case .blob(let data): self = .blob([UInt8](data))
        }
    }
}
