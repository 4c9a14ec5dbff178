import Foundation

/// The local PostgreSQL, made available through `scripts/postgres.sh`; each caller gets a new database.
/// Their names are `triadtest_<unix seconds>_<prefix>_<random>`; the first use in a test process
/// drops those created more than three hours ago, which no run still uses (a whole run takes well
/// under an hour; another run on the same server keeps its own): a busy day of runs had left 556
/// of them, 4.4 GB, on the server's disk.
public enum LocalPostgres {
    private static let marker = "triadtest_"

    private static let ready: Result<Void, any Error> = {
        do {
            try run(Paths.root.appendingPathComponent("scripts/postgres.sh").path, [])
            let leftovers = try psql("postgres", "-qtAc", "SELECT datname FROM pg_database WHERE datname LIKE '\(marker)%'")
            let threeHoursAgo = Int(Date().timeIntervalSince1970) - 3 * 3_600
            for name in leftovers.split(separator: "\n").map({ $0.trimmingCharacters(in: .whitespaces) })
            where (name.dropFirst(marker.count).split(separator: "_").first.flatMap { Int($0) } ?? Int.max) < threeHoursAgo {
                _ = try? psql("postgres", "-qc", "DROP DATABASE IF EXISTS \(name)")
            }
            return .success(())
        } catch {
            return .failure(error)
        }
    }()

    /// A locale whose text order is not byte order ("_x a B é z" where bytes give "B _x a z é"),
    /// for tests that order must not depend on how the database was created.
    public static let dictionaryOrder = "TEMPLATE template0 ENCODING 'UTF8' LOCALE_PROVIDER icu ICU_LOCALE 'en-US' LOCALE 'C.UTF-8'"

    /// A fresh, empty database (`options` follow `CREATE DATABASE name`); returns its URL.
    public static func createDatabase(_ prefix: String, options: String = "") throws -> String {
        try ready.get()
        let name = "\(marker)\(Int(Date().timeIntervalSince1970))_\(prefix)_\(UUID().uuidString.prefix(8).lowercased())"
        try psql("postgres", "-qc", "CREATE DATABASE \(name) \(options)")
        return "postgres://triad:triad@127.0.0.1:5432/\(name)"
    }

    /// Runs a query against a database of the local server and returns its unaligned output.
    public static func query(_ url: String, _ sql: String) throws -> String {
        let database = String(url.split(separator: "/").last ?? "postgres")
        return try psql(database, "-qtAc", sql)
    }

    /// `service postgresql <action>` (`restart`, `stop`, `start`) on the local server, which every
    /// test shares (tests that stop it run serially, and start it again however they end).
    public static func server(_ action: String) throws {
        try run("/usr/sbin/service", ["postgresql", action])
    }

    /// Whether the local server accepts queries.
    public static var isUp: Bool { (try? psql("postgres", "-qtAc", "SELECT 1")) != nil }

    /// psql as the `triad` role against a database of the local server.
    @discardableResult
    private static func psql(_ database: String, _ flags: String, _ sql: String) throws -> String {
        try run("/usr/bin/env", ["psql", "-h", "127.0.0.1", "-U", "triad", "-d", database, flags, sql])
    }

    @discardableResult
    static func run(_ executable: String, _ arguments: [String]) throws -> String {
        let (status, output) = try runToEnd(URL(fileURLWithPath: executable), arguments, environment: ["PGPASSWORD": "triad"])
        guard status == 0 else {
            throw PostgresUnavailable(command: ([executable] + arguments).joined(separator: " "), status: status, output: output)
        }
        return output
    }
}

public struct PostgresUnavailable: Error, CustomStringConvertible {
    public let command: String
    public let status: Int32
    public let output: String
    public var description: String { "\(command) failed with status \(status): \(output)" }
}
