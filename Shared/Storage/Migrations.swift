/// The schema every service store shares, as versioned migrations applied at start.
///
/// - `records`: JSON documents by kind and id (campaigns, accounts, customers, counters…), with an
///   optional `due` instant that time-based queries use (customers due for the inactivity check).
/// - `markers`: sets of ids (orders seen, reports pending).
/// - `applied_events`: the ids of every event applied, written in the same transaction as its effects.
/// - `outbox`: events to publish, written in the same transaction; the relay deletes what it published.
public enum Migrations {
    public struct Migration: Sendable {
        public let version: Int
        public let statements: @Sendable (SQLDialect) -> [String]
    }

    public static let all: [Migration] = [
        Migration(version: 1) { dialect in
            let blob = dialect == .postgres ? "BYTEA" : "BLOB"
            let serial = dialect == .postgres ? "BIGSERIAL PRIMARY KEY" : "INTEGER PRIMARY KEY AUTOINCREMENT"
            return [
                "CREATE TABLE records (kind TEXT NOT NULL, id TEXT NOT NULL, body TEXT, due BIGINT, PRIMARY KEY (kind, id))",
                "CREATE INDEX records_due ON records (kind, due) WHERE due IS NOT NULL",
                "CREATE TABLE markers (kind TEXT NOT NULL, id TEXT NOT NULL, PRIMARY KEY (kind, id))",
                "CREATE TABLE applied_events (source TEXT NOT NULL, id TEXT NOT NULL, applied_at BIGINT NOT NULL, PRIMARY KEY (source, id))",
                "CREATE TABLE outbox (seq \(serial), topic TEXT NOT NULL, event_type TEXT NOT NULL, key \(blob), value \(blob) NOT NULL, headers TEXT NOT NULL, created_at BIGINT NOT NULL)",
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
    ]

    /// Applies the migrations this database has not seen, in order, in one transaction.
    /// Returns the versions applied now.
    @discardableResult
    public static func apply(to database: any Database, migrations: [Migration] = all) async throws -> [Int] {
        try await database.transaction { session in
            if session.dialect == .postgres {
                // Instances starting together take turns.
                try session.query("SELECT pg_advisory_xact_lock(7391001)")
            }
            try session.query("CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)")
            let done = Set(try session.query("SELECT version FROM schema_migrations").compactMap { $0.first?.integer })
            var applied: [Int] = []
            for migration in migrations.sorted(by: { $0.version < $1.version }) where !done.contains(Int64(migration.version)) {
                for statement in migration.statements(session.dialect) { try session.query(statement) }
                try session.query(
                    "INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)",
                    [.integer(Int64(migration.version)), .integer(Int64(Date().timeIntervalSince1970))])
                applied.append(migration.version)
            }
            return applied
        }
    }
}

import Foundation
