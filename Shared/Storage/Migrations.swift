import Foundation

/// The schema, as versioned migrations applied at start: the tables every service has (`shared`)
/// and each service's own tables (versions from 100 up, in the service's target).
///
/// - `applied_events`: the ids of the events applied within the dedupe window, written in the same
///   transaction as their effects.
/// - `dead_lettered`: the source positions already dead-lettered, within the dedupe window.
/// - `outbox`: events to publish, written in the same transaction; the relay deletes what it published.
/// - `outbox_failed`: rows the broker refused for good.
///
/// Databases from before version 3 held every aggregate as a JSON document (`records`, `markers`);
/// version 3 drops them for the services' relational tables, and their old content is not carried
/// over. A fresh database no longer creates what a later version drops.
public enum Migrations {
    public struct Migration: Sendable {
        public let version: Int
        public let statements: @Sendable (SQLDialect) -> [String]

        public init(version: Int, statements: @escaping @Sendable (SQLDialect) -> [String]) {
            self.version = version
            self.statements = statements
        }

        /// A service's migration: its changes read the same on both stores.
        public init(version: Int, _ changes: [SchemaChange]) {
            self.init(version: version) { dialect in changes.compactMap { $0.statement(dialect) } }
        }
    }

    public static let shared: [Migration] = [
        Migration(version: 1) { dialect in
            let blob = dialect == .postgres ? "BYTEA" : "BLOB"
            let serial = dialect == .postgres ? "BIGSERIAL PRIMARY KEY" : "INTEGER PRIMARY KEY AUTOINCREMENT"
            return [
                "CREATE TABLE outbox (seq \(serial), topic TEXT NOT NULL, event_type TEXT NOT NULL, key \(blob), value \(blob) NOT NULL, headers TEXT NOT NULL, created_at BIGINT NOT NULL)"
            ]
        },
        Migration(version: 2) { dialect in
            let blob = dialect == .postgres ? "BYTEA" : "BLOB"
            return [
                // Rows the broker refused for good (too large, not authorized), kept for operators
                // instead of blocking the outbox.
                "CREATE TABLE outbox_failed (seq BIGINT PRIMARY KEY, topic TEXT NOT NULL, event_type TEXT NOT NULL, key \(blob), value \(blob) NOT NULL, headers TEXT NOT NULL, created_at BIGINT NOT NULL, error TEXT NOT NULL, failed_at BIGINT NOT NULL)"
            ]
        },
        Migration(version: 3) { dialect in
            [
                "DROP TABLE IF EXISTS records",
                "DROP TABLE IF EXISTS markers",
                // Keyed by text: on SQLite the key is the table (one b-tree instead of two).
                "DROP TABLE IF EXISTS applied_events",
                "CREATE TABLE applied_events (source TEXT NOT NULL, id TEXT NOT NULL, applied_at BIGINT NOT NULL, PRIMARY KEY (source, id))"
                    + withoutRowID(dialect),
                "CREATE TABLE dead_lettered (topic TEXT NOT NULL, partition_id BIGINT NOT NULL, message_offset BIGINT NOT NULL, digest BIGINT NOT NULL, recorded_at BIGINT NOT NULL, PRIMARY KEY (topic, partition_id, message_offset))",
            ]
        },
        Migration(version: 4) { dialect in
            let serial = dialect == .postgres ? "BIGSERIAL PRIMARY KEY" : "INTEGER PRIMARY KEY AUTOINCREMENT"
            // Written only while tracing (`ReportLinks`); the reporter empties it every round.
            return [
                "CREATE TABLE report_links (seq \(serial), aggregate TEXT NOT NULL, traceparent TEXT NOT NULL, recorded_at BIGINT NOT NULL)"
            ]
        },
        // Ids are pruned by walking the key (`AgeSweep`): an index on their age cost every id a
        // second b-tree write.
        Migration(version: 5) { _ in ["DROP INDEX IF EXISTS applied_events_age"] },
    ]

    /// SQLite's clause for a table stored as its primary key's b-tree (none on PostgreSQL).
    static func withoutRowID(_ dialect: SQLDialect) -> String { dialect == .sqlite ? " WITHOUT ROWID" : "" }

    /// Applies the migrations this database has not seen, in order, in one transaction.
    /// Returns the versions applied now.
    @discardableResult
    public static func apply(to database: any Database, migrations: [Migration]) async throws -> [Int] {
        try await database.transaction { session in
            if session.dialect == .postgres {
                // Instances starting together take turns.
                try session.query("SELECT pg_advisory_xact_lock(7391001)")
            }
            try session.query(
                "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)")
            let done = Set(try session.query("SELECT version FROM schema_migrations").compactMap { $0.first?.integer })
            var applied: [Int] = []
            for migration in migrations.sorted(by: { $0.version < $1.version })
            where !done.contains(Int64(migration.version)) {
                for statement in migration.statements(session.dialect) { try session.query(statement) }
                try session.query(
                    "INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)",
                    [.integer(Int64(migration.version)), .integer(Int64(Date().timeIntervalSince1970))])
                applied.append(migration.version)
            }
            if session.dialect == .postgres {
                try byteOrderedText(tables: tables(of: migrations, dialect: session.dialect), in: session)
            }
            return applied
        }
    }

    /// Gives the text columns of these tables the "C" collation on PostgreSQL, as SQLite's text
    /// already is: keys compare as bytes, so lists in key order (and `after=` cursors) page the same
    /// on both stores whatever locale the database was created with, and key lookups skip the
    /// locale's collation rules. Runs at every start; changes only columns not converted yet, one
    /// statement per table (its indexes are rebuilt once, rows are not rewritten), with no statement
    /// timeout, since on a large existing database the rebuild takes what it takes. Tables of others
    /// in the same schema are left alone.
    static func byteOrderedText(tables: [String], in session: any SQLSession) throws {
        let columns = try session.query(
            """
            SELECT table_name::text, column_name::text FROM information_schema.columns
            WHERE table_schema = current_schema() AND table_name::text = ANY(?::text[]) AND data_type = 'text'
            AND collation_name IS DISTINCT FROM 'C' ORDER BY table_name, column_name
            """, [.texts(tables)])
        guard !columns.isEmpty else { return }
        try session.query("SET LOCAL statement_timeout = 0")
        var byTable: [String: [String]] = [:]
        for column in columns {
            guard let table = column[0].text, let name = column[1].text else { continue }
            byTable[table, default: []].append(name)
        }
        for (table, names) in byTable.sorted(by: { $0.key < $1.key }) {
            let changes = names.map { "ALTER COLUMN \(quoted($0)) TYPE text COLLATE \"C\"" }.joined(separator: ", ")
            try session.query("ALTER TABLE \(quoted(table)) \(changes)")
        }
    }

    /// The tables the migrations leave (created and not dropped by a later one), and the
    /// migrations' own; names as PostgreSQL stores them (unquoted ones in lower case).
    static func tables(of migrations: [Migration], dialect: SQLDialect) -> [String] {
        var tables: Set<String> = ["schema_migrations"]
        for migration in migrations.sorted(by: { $0.version < $1.version }) {
            for statement in migration.statements(dialect) {
                let words = statement.split(whereSeparator: { $0.isWhitespace || $0 == "(" || $0 == ";" }).map(
                    String.init)
                guard words.count > 2, words[1].uppercased() == "TABLE" else { continue }
                let conditional =
                    words.count > 4 && words[2].uppercased() == "IF"
                    && (words[3].uppercased() == "NOT"
                        ? words[4].uppercased() == "EXISTS" : words[3].uppercased() == "EXISTS")
                let nameAt = conditional ? (words[3].uppercased() == "NOT" ? 5 : 4) : 2
                guard words.count > nameAt else { continue }
                let name = tableName(words[nameAt])
                switch words[0].uppercased() {
                case "CREATE": tables.insert(name)
                case "DROP": tables.remove(name)
                default: continue
                }
            }
        }
        return tables.sorted()
    }

    private static func tableName(_ word: String) -> String {
        word.hasPrefix("\"") && word.hasSuffix("\"") && word.count > 1
            ? String(word.dropFirst().dropLast()).replacingOccurrences(of: "\"\"", with: "\"") : word.lowercased()
    }

    private static func quoted(_ identifier: String) -> String {
        "\"" + identifier.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}

/// One step of a migration, written once for both stores.
public enum SchemaChange: Sendable, ExpressibleByStringInterpolation {
    /// A statement both stores run as written.
    case sql(String)
    /// `CREATE TABLE …` of a table stored as its primary key's b-tree: SQLite's `WITHOUT ROWID`
    /// (one b-tree instead of two); PostgreSQL keeps every table as a heap.
    case keyedTable(String)
    /// Pages of `table` filled to `percent` on PostgreSQL, leaving room for updates in place;
    /// SQLite has no such setting.
    case fillFactor(table: String, percent: Int)

    public init(stringLiteral value: String) { self = .sql(value) }

    func statement(_ dialect: SQLDialect) -> String? {
        switch self {
        case .sql(let sql): sql
        case .keyedTable(let sql): sql + Migrations.withoutRowID(dialect)
        case .fillFactor(let table, let percent):
            dialect == .postgres ? "ALTER TABLE \(table) SET (fillfactor = \(percent))" : nil
        }
    }
}
