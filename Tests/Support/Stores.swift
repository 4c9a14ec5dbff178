import Foundation
import Logging
import TriadStorage

/// The two stores a service runs on, for tests that hold both to the same behaviour.
public enum Store: String, CaseIterable, Sendable {
    case sqlite, postgres

    /// A fresh database of this kind with `migrations` applied: a SQLite file in a scratch folder
    /// named after `name`, or a new database on the local PostgreSQL (`postgresOptions` go to its
    /// CREATE DATABASE).
    public func open(_ name: String, migrations: [Migrations.Migration], postgresOptions: String = "") async throws
        -> any Database
    {
        let database: any Database
        switch self {
        case .sqlite:
            database = try SQLiteDatabase(path: Paths.scratch(name).appendingPathComponent("\(name).sqlite").path)
        case .postgres:
            database = try PostgresDatabase(
                url: try LocalPostgres.createDatabase(name, options: postgresOptions),
                logger: Logger(label: "test.\(name)"))
        }
        try await Migrations.apply(to: database, migrations: migrations)
        return database
    }
}
