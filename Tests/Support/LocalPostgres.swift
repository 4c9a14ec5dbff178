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
            let leftovers = try psql(
                "postgres", "-qtAc", "SELECT datname FROM pg_database WHERE datname LIKE '\(marker)%'")
            let threeHoursAgo = Int(Date().timeIntervalSince1970) - 3 * 3_600
            for name in leftovers.split(separator: "\n").map({ $0.trimmingCharacters(in: .whitespaces) })
            where (name.dropFirst(marker.count).split(separator: "_").first.flatMap { Int($0) } ?? Int.max)
                < threeHoursAgo
            {
                _ = try? psql("postgres", "-qc", "DROP DATABASE IF EXISTS \(name)")
            }
            return .success(())
        } catch {
            return .failure(error)
        }
    }()

    /// A locale whose text order is not byte order ("_x a B é z" where bytes give "B _x a z é"),
    /// for tests that order must not depend on how the database was created.
    public static let dictionaryOrder =
        "TEMPLATE template0 ENCODING 'UTF8' LOCALE_PROVIDER icu ICU_LOCALE 'en-US' LOCALE 'C.UTF-8'"

    /// PostgreSQL installed and the shared server up (`scripts/postgres.sh`).
    public static func ensureReady() throws { try ready.get() }

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

    /// psql as the `triad` role against a database of the local server.
    @discardableResult
    private static func psql(_ database: String, _ flags: String, _ sql: String) throws -> String {
        try run("/usr/bin/env", ["psql", "-h", "127.0.0.1", "-U", "triad", "-d", database, flags, sql])
    }

    @discardableResult
    static func run(_ executable: String, _ arguments: [String]) throws -> String {
        let (status, output) = try runToEnd(
            URL(fileURLWithPath: executable), arguments, environment: ["PGPASSWORD": "triad"])
        guard status == 0 else {
            throw PostgresUnavailable(
                command: ([executable] + arguments).joined(separator: " "), status: status, output: output)
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

/// A PostgreSQL server of one test's own: its own data directory and port, Debian's binaries run as
/// the `postgres` user. Tests that restart or stop their database use one, so the shared server
/// stays up for the suites that run at the same time (Swift Testing runs suites in parallel).
public final class PrivatePostgres: Sendable {
    public let port: Int
    private let directory: String
    private let binaries: String

    /// Creates the cluster (role `triad`, trusted on loopback) and starts it.
    public init(_ name: String) throws {
        try LocalPostgres.ensureReady()  // installs PostgreSQL where it is missing
        let versions = try FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql").sorted()
        guard let version = versions.last else {
            throw PostgresUnavailable(command: "ls /usr/lib/postgresql", status: 1, output: "")
        }
        binaries = "/usr/lib/postgresql/\(version)/bin"
        port = freePort()
        directory = "/tmp/triad-pg-\(name)-\(UUID().uuidString.prefix(8).lowercased())"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try LocalPostgres.run("/bin/chown", ["postgres:postgres", directory])
        try asPostgres(
            "\(binaries)/initdb -D \(directory)/data -U triad --auth=trust -E UTF8 --locale=C.UTF-8 > \(directory)/initdb.log"
        )
        try start()
    }

    public func start() throws {
        try asPostgres(
            "\(binaries)/pg_ctl -D \(directory)/data -l \(directory)/server.log -w -t 60 "
                + "-o '-p \(port) -c listen_addresses=127.0.0.1 -k \(directory)' start")
    }

    /// Stops at once (`-m fast`: sessions are ended, as a failover or an upgrade ends them).
    public func stop() throws { try asPostgres("\(binaries)/pg_ctl -D \(directory)/data -w -t 60 -m fast stop") }

    public func restart() throws {
        try asPostgres(
            "\(binaries)/pg_ctl -D \(directory)/data -l \(directory)/server.log -w -t 60 -m fast "
                + "-o '-p \(port) -c listen_addresses=127.0.0.1 -k \(directory)' restart")
    }

    /// A new database on this server; returns its URL.
    public func createDatabase(_ name: String) throws -> String {
        try LocalPostgres.run(
            "/usr/bin/env",
            [
                "psql", "-h", "127.0.0.1", "-p", String(port), "-U", "triad", "-d", "postgres", "-qc",
                "CREATE DATABASE \(name)",
            ])
        return "postgres://triad:triad@127.0.0.1:\(port)/\(name)"
    }

    /// Stops the server and removes its files.
    public func remove() {
        try? stop()
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Run from `/`: the test's own directory may be closed to the `postgres` user.
    private func asPostgres(_ command: String) throws {
        try LocalPostgres.run("/bin/su", ["postgres", "-c", "cd / && " + command])
    }
}
