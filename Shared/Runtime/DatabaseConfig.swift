import Configuration
import Logging
import TriadStorage

/// Where a service keeps its state: `TRIAD_DATABASE_URL` is `sqlite:<path>` (the default, one file
/// per instance) or `postgres://user:password@host:port/database` (shared by a service's instances).
public enum DatabaseConfig {
    public static func url(service: String, environment: ConfigReader) throws(ConfigurationError) -> String {
        try environment.text("TRIAD_DATABASE_URL", default: "sqlite:triad-\(service).sqlite")
    }

    /// `TRIAD_DATABASE_POOL_SIZE`: how many connections a PostgreSQL database keeps.
    public static func poolSize(environment: ConfigReader) throws(ConfigurationError) -> Int {
        Int(try environment.integer("TRIAD_DATABASE_POOL_SIZE"))
    }

    /// What is wrong with a `TRIAD_DATABASE_URL` value, if anything (its password is not repeated).
    static func problem(ofURL url: String) -> String? {
        guard url.hasPrefix("sqlite:") || url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") else {
            return "must be sqlite:<path> or postgres://user:password@host:port/database"
        }
        if url.hasPrefix("sqlite:") {
            let path = url.dropFirst("sqlite:".count)
            return path.isEmpty ? "sqlite: needs a file path, e.g. sqlite:data/finance.sqlite" : nil
        }
        do {
            _ = try PostgresDatabase.Settings(url: url)
            return nil
        } catch {
            return error.message
        }
    }

    /// Opens the database and applies its migrations; a database not available yet (PostgreSQL
    /// still starting, an SQLite file read-only or its disk full) is tried again with backoff for up
    /// to `recoveryTimeout`.
    public static func open(
        _ url: String, migrations: [Migrations.Migration], logger: Logger, recoveryTimeout: Duration = .zero,
        poolSize: Int = PostgresDatabase.defaultPoolSize
    ) async throws -> any Database {
        let deadline = ContinuousClock.now + recoveryTimeout
        var logged = false
        var opened: (any Database)?
        let (database, applied) = try await withDatabaseRetries(giveUp: { _ in ContinuousClock.now >= deadline }) {
            do {
                let database: any Database
                if let opened {
                    database = opened
                } else if url.hasPrefix("sqlite:") {
                    database = try SQLiteDatabase(path: String(url.dropFirst("sqlite:".count)))
                } else {
                    database = try PostgresDatabase(url: url, logger: logger, poolSize: poolSize)
                }
                opened = database
                return (database, try await Migrations.apply(to: database, migrations: migrations))
            } catch let error as DatabaseUnavailable {
                if !logged, ContinuousClock.now < deadline {
                    logged = true
                    logger.warning(
                        "database unavailable at start; retrying with backoff",
                        metadata: [
                            "reason": "\(error.reason)",
                            "gives-up-after": "\(WatchedDatabase.seconds(recoveryTimeout))",
                        ])
                }
                throw error
            }
        }
        logger.info(
            "database ready", metadata: ["database": "\(database.location)", "migrations-applied": "\(applied)"])
        return database
    }
}

/// A number for `service`'s PostgreSQL advisory locks, the same in every instance.
func advisoryLockId(_ service: String) -> Int64 {
    7_391_000 + Int64(service.unicodeScalars.reduce(0) { ($0 &* 31 &+ Int($1.value)) % 100_000 })
}
