import Foundation
import GRDB
import GRDBSQLite
import Synchronization

/// SQLite through GRDB, in WAL mode: one file per service instance. A commit writes the log; the
/// log reaches the disk through `WALSyncer`, off the writer's thread (`transaction` waits for it,
/// `transactionDurableLater` leaves the wait to its caller).
public final class SQLiteDatabase: Database {
    private let pool: DatabasePool
    private let checkpointer: WALCheckpointer
    let syncer: WALSyncer
    public let path: String
    private let committed = Atomic<Int>(0)
    public var changesCommitted: Int? { committed.load(ordering: .relaxed) }

    /// The page size of a new database file (SQLite's largest).
    static let pageSize = 65_536

    public var dialect: SQLDialect { .sqlite }
    public var location: String { "sqlite:\(path)" }

    public init(path: String) throws {
        self.path = path
        let checkpointer = WALCheckpointer(path: path)
        self.checkpointer = checkpointer
        syncer = WALSyncer(databasePath: path)
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in
            // A commit writes the log without waiting for the disk; WALSyncer makes it durable
            // (Kafka offsets are stored only after that), and checkpoints still sync the log first.
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            // Pages freed by pruning go back to the file system (takes effect on a new file).
            if !db.configuration.readonly {
                // Large pages for a new file: a batch dirties pages all over the id and customer
                // indexes, and each page costs a log frame to write and check (an existing file keeps its size).
                try db.execute(sql: "PRAGMA page_size = \(Self.pageSize)")
                try db.execute(sql: "PRAGMA auto_vacuum = INCREMENTAL")
                // The writer keeps the hot pages of a batch's tables; readers keep SQLite's default.
                try db.execute(sql: "PRAGMA cache_size = -16384")
                // A log that a burst grew is cut back to this when it starts over.
                try db.execute(sql: "PRAGMA journal_size_limit = \(64 << 20)")
                // Checkpoints run beside the writer, not inside its commits.
                checkpointer.install(
                    on: db.sqliteConnection!, pageSize: try Int.fetchOne(db, sql: "PRAGMA page_size") ?? 4_096)
            }
        }
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
        } catch let error as DatabaseError {
            if let unavailable = Self.unavailability(
                code: error.extendedResultCode.rawValue, message: error.message ?? "\(error)", path: path)
            {
                throw unavailable
            }
            throw error
        }
    }

    /// What an SQLite result code means when the file, not the statement, is the problem: the disk
    /// full (SQLITE_FULL), the file or its folder read-only (SQLITE_READONLY), the file gone or
    /// unopenable (SQLITE_CANTOPEN), an I/O error (SQLITE_IOERR). Extended codes count by their
    /// primary code.
    static func unavailability(code: Int32, message: String, path: String) -> DatabaseUnavailable? {
        let what: String
        switch code & 0xFF {
        case SQLITE_FULL: what = "the disk holding it is full (SQLITE_FULL)"
        case SQLITE_READONLY where code == 1032:
            what = "the file was moved or deleted while open (SQLITE_READONLY_DBMOVED); put it back"
        case SQLITE_READONLY:
            what = "it cannot be written: the file, its folder or its file system is read-only (SQLITE_READONLY)"
        case SQLITE_CANTOPEN: what = "it cannot be opened (SQLITE_CANTOPEN)"
        case SQLITE_IOERR: what = "reading or writing it failed (SQLITE_IOERR)"
        default: return nil
        }
        return DatabaseUnavailable("SQLite database \(path): \(what): \(message) (code \(code))")
    }

    /// `body`, with GRDB's errors that mean the file cannot be written made `DatabaseUnavailable`.
    private func mappingUnavailability<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as DatabaseError {
            if let unavailable = Self.unavailability(
                code: error.extendedResultCode.rawValue, message: error.message ?? "\(error)", path: path)
            {
                throw unavailable
            }
            throw error
        }
    }

    public func transaction<T: Sendable>(_ body: @escaping @Sendable (any SQLSession) throws -> T) async throws -> T {
        let (result, durable) = try await transactionDurableLater(body)
        try await durable()
        return result
    }

    public func transactionDurableLater<T: Sendable>(_ body: @escaping @Sendable (any SQLSession) throws -> T)
        async throws
        -> (T, Durability)
    {
        let (result, wrote) = try await mappingUnavailability {
            try await pool.write { db in
                let before = db.totalChangesCount
                let result = try body(GRDBSession(db: db))
                return (result, db.totalChangesCount != before)
            }
        }
        // A transaction that changed no row (an empty relay round, say) leaves nothing to flush.
        guard wrote else { return (result, {}) }
        committed.add(1, ordering: .relaxed)
        syncer.committed()
        let syncer = self.syncer
        return (result, { try await syncer.sync() })
    }

    public func read<T: Sendable>(_ body: @escaping @Sendable (any SQLSession) throws -> T) async throws -> T {
        try await mappingUnavailability { try await pool.read { db in try body(GRDBSession(db: db)) } }
    }

    public func sizeInBytes() async throws -> Int64 {
        let pages = try await pool.read { db in
            (try Int64.fetchOne(db, sql: "PRAGMA page_count") ?? 0)
                * (try Int64.fetchOne(db, sql: "PRAGMA page_size") ?? 0)
        }
        let wal = (try? FileManager.default.attributesOfItem(atPath: path + "-wal"))?[.size] as? Int64 ?? 0
        return pages + wal
    }

    public func close() async {
        try? pool.close()
        syncer.close()
        checkpointer.close()
    }
}

struct GRDBSession: SQLSession, RepeatedStatement {
    let db: GRDB.Database
    var dialect: SQLDialect { .sqlite }

    /// Binds and steps through SQLite's C API on GRDB's cached statement: GRDB's argument and row
    /// types cost more than the statements themselves on the hot path.
    @discardableResult
    func query(_ sql: String, _ arguments: [SQLValue]) throws -> [SQLRow] {
        // Statements are compiled once per connection and reused.
        try run(try db.cachedStatement(sql: sql).sqliteStatement, sql, arguments)
    }

    func query(_ sql: String, repeatingFor arguments: [[SQLValue]]) throws -> [SQLRow] {
        let statement = try db.cachedStatement(sql: sql).sqliteStatement
        var rows: [SQLRow] = []
        for row in arguments { rows += try run(statement, sql, row) }
        return rows
    }

    func changes(_ sql: String, repeatingFor arguments: [[SQLValue]]) throws -> [Int] {
        let statement = try db.cachedStatement(sql: sql).sqliteStatement
        return try arguments.map { row in
            _ = try run(statement, sql, row)
            return Int(sqlite3_changes(db.sqliteConnection))
        }
    }

    private func run(_ statement: SQLiteStatement, _ sql: String, _ arguments: [SQLValue]) throws -> [SQLRow] {
        sqlite3_reset(statement)
        sqlite3_clear_bindings(statement)
        for (offset, argument) in arguments.enumerated() {
            let index = Int32(offset + 1)
            let code: Int32
            switch argument {
            case .null: code = sqlite3_bind_null(statement, index)
            case .integer(let value): code = sqlite3_bind_int64(statement, index, value)
            case .text(let value):
                var text = value
                code = text.withUTF8 { utf8 in
                    utf8.withMemoryRebound(to: CChar.self) { chars in
                        // An empty string still needs a pointer, or SQLite binds NULL.
                        guard let start = chars.baseAddress else {
                            return sqlite3_bind_text(statement, index, "", 0, Self.transient)
                        }
                        return sqlite3_bind_text(statement, index, start, Int32(chars.count), Self.transient)
                    }
                }
            case .blob(let bytes):
                code = bytes.withUnsafeBytes { raw in
                    sqlite3_bind_blob(
                        statement, index, raw.baseAddress ?? UnsafeRawPointer(bitPattern: 1), Int32(raw.count),
                        Self.transient)
                }
            case .texts, .integers, .blobs, .booleans:
                throw StorageError("SQLite binds no arrays")
            }
            guard code == SQLITE_OK else { throw error(code, sql) }
        }
        var rows: [SQLRow] = []
        while true {
            let step = sqlite3_step(statement)
            if step == SQLITE_DONE { break }
            guard step == SQLITE_ROW else {
                sqlite3_reset(statement)
                throw error(step, sql)
            }
            let columns = sqlite3_column_count(statement)
            var row: SQLRow = []
            row.reserveCapacity(Int(columns))
            for column in 0..<columns {
                switch sqlite3_column_type(statement, column) {
                case SQLITE_NULL: row.append(.null)
                case SQLITE_INTEGER: row.append(.integer(sqlite3_column_int64(statement, column)))
                case SQLITE_FLOAT: row.append(.integer(Int64(sqlite3_column_double(statement, column))))
                case SQLITE_TEXT:
                    let count = Int(sqlite3_column_bytes(statement, column))
                    let text = sqlite3_column_text(statement, column).map {
                        String(decoding: UnsafeBufferPointer(start: $0, count: count), as: UTF8.self)
                    }
                    row.append(.text(text ?? ""))
                default:
                    let count = Int(sqlite3_column_bytes(statement, column))
                    let bytes = sqlite3_column_blob(statement, column).map {
                        Array(UnsafeRawBufferPointer(start: $0, count: count))
                    }
                    row.append(.blob(bytes ?? []))
                }
            }
            rows.append(row)
        }
        sqlite3_reset(statement)
        return rows
    }

    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    private func error(_ code: Int32, _ sql: String) -> any Error {
        let message = String(cString: sqlite3_errmsg(db.sqliteConnection))
        if let unavailable = SQLiteDatabase.unavailability(
            code: code, message: message, path: String(cString: sqlite3_db_filename(db.sqliteConnection, "main")))
        {
            return unavailable
        }
        return StorageError("SQLite error \(code): \(message) - while executing `\(sql)`")
    }
}
