import Foundation
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import PostgresNIO
import Synchronization

/// PostgreSQL through PostgresNIO, shared by every instance of a service. Transactions run one at a
/// time on a worker thread of this process that waits on PostgresNIO's futures, so the synchronous
/// domain code never blocks Swift's cooperative pool or an event loop.
public final class PostgresDatabase: Database {
    public let location: String
    public var dialect: SQLDialect { .postgres }

    private let configuration: PostgresConnection.Configuration
    private let logger: Logger
    private let worker: SerialWorker
    private let connection = Mutex<PostgresConnection?>(nil)
    private let connectionIds = Atomic<Int>(0)

    /// What a PostgreSQL URL says, checked: host, port, database, user, password and sslmode.
    public struct Settings: Sendable {
        public let host: String
        public let port: Int
        public let database: String
        public let user: String
        let password: String?
        public let sslmode: String

        public init(url: String) throws(StorageError) {
            guard let components = URLComponents(string: url), ["postgres", "postgresql"].contains(components.scheme ?? ""),
                let host = components.host, !host.isEmpty
            else {
                throw StorageError("database URL must look like postgres://user:password@host:5432/database")
            }
            let database = components.path.trimmingCharacters(in: CharacterSet(charactersIn: "/"))
            guard !database.isEmpty else { throw StorageError("the PostgreSQL URL names no database") }
            let port = components.port ?? 5432
            guard (1...65_535).contains(port) else { throw StorageError("the PostgreSQL port must be 1–65535, got \(port)") }
            let sslmode = components.queryItems?.first { $0.name == "sslmode" }?.value ?? "prefer"
            guard ["disable", "allow", "prefer", "require", "verify-ca", "verify-full"].contains(sslmode) else {
                throw StorageError("sslmode must be disable, prefer, require or verify-full, got '\(sslmode)'")
            }
            self.host = host
            self.port = port
            self.database = database
            self.user = components.user ?? "postgres"
            self.password = components.password
            self.sslmode = sslmode
        }
    }

    /// `url`: `postgres://user:password@host:port/database` (password optional).
    public init(url: String, logger: Logger) throws {
        let settings = try Settings(url: url)
        var configuration = PostgresConnection.Configuration(
            host: settings.host, port: settings.port, username: settings.user, password: settings.password,
            database: settings.database, tls: try Self.tls(sslmode: settings.sslmode))
        // A stuck session must not hold its row locks for long.
        configuration.options.additionalStartupParameters = [
            ("statement_timeout", "60000"), ("lock_timeout", "60000"), ("idle_in_transaction_session_timeout", "60000"),
        ]
        self.configuration = configuration
        location = "postgres://\(settings.user)@\(settings.host):\(settings.port)/\(settings.database)"
        self.logger = logger
        worker = SerialWorker(name: "triad-postgres")
    }

    public func transaction<T: Sendable>(_ body: @escaping @Sendable (any SQLSession) throws -> T) async throws -> T {
        try await run(body, readOnly: false)
    }

    public func read<T: Sendable>(_ body: @escaping @Sendable (any SQLSession) throws -> T) async throws -> T {
        try await run(body, readOnly: true)
    }

    private func run<T: Sendable>(_ body: @escaping @Sendable (any SQLSession) throws -> T, readOnly: Bool) async throws -> T {
        try await worker.submit { [self] in
            let session = PostgresSession(connection: try connected(), logger: logger, readOnly: readOnly)
            do {
                try session.query(readOnly ? "BEGIN READ ONLY" : "BEGIN")
                let result = try body(session)
                try session.query("COMMIT")
                return result
            } catch {
                _ = try? session.query("ROLLBACK")
                if session.connection.isClosed { connection.withLock { $0 = nil } }
                throw error
            }
        }
    }

    /// `sslmode` as libpq reads it: `disable`, `prefer` (the default; encrypts when the server can),
    /// `require` (encrypts, does not verify), `verify-full` (encrypts and verifies the server).
    static func tls(sslmode: String) throws -> PostgresConnection.Configuration.TLS {
        var unverified = TLSConfiguration.makeClientConfiguration()
        unverified.certificateVerification = .none
        switch sslmode {
        case "disable": return .disable
        case "prefer", "allow": return .prefer(try NIOSSLContext(configuration: unverified))
        case "require": return .require(try NIOSSLContext(configuration: unverified))
        case "verify-full", "verify-ca": return .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
        default: throw StorageError("sslmode must be disable, prefer, require or verify-full, got '\(sslmode)'")
        }
    }

    public func sizeInBytes() async throws -> Int64 {
        try await read { try $0.query("SELECT pg_database_size(current_database())").first?.first?.integer ?? 0 }
    }

    /// Counts connections made; a change tells a session-level lock holder that its session is gone.
    public var connectionGeneration: Int { connectionIds.load(ordering: .acquiring) }

    /// The open connection, connecting (again) when there is none or it closed.
    private func connected() throws -> PostgresConnection {
        if let existing = connection.withLock({ $0 }), !existing.isClosed { return existing }
        let id = connectionIds.add(1, ordering: .relaxed).newValue
        let fresh: PostgresConnection
        do {
            fresh = try PostgresConnection.connect(
                on: MultiThreadedEventLoopGroup.singleton.any(), configuration: configuration, id: id, logger: logger
            ).wait()
        } catch {
            // PSQLError's description hides the cause; its reflection names it.
            throw StorageError("cannot connect to PostgreSQL at \(location): \(String(reflecting: error))")
        }
        connection.withLock { $0 = fresh }
        return fresh
    }

    /// Closes the connection on the worker, after the jobs already queued; later jobs fail.
    public func close() async {
        _ = try? await worker.submit { [self] in
            let open = connection.withLock { connection in
                defer { connection = nil }
                return connection
            }
            try open?.close().wait()
        }
        worker.stop()
    }
}

struct PostgresSession: SQLSession {
    let connection: PostgresConnection
    let logger: Logger
    let readOnly: Bool
    var dialect: SQLDialect { .postgres }

    @discardableResult
    func query(_ sql: String, _ arguments: [SQLValue]) throws -> [SQLRow] {
        var bindings = PostgresBindings(capacity: arguments.count)
        for argument in arguments {
            switch argument {
            case .null: bindings.appendNull()
            case .integer(let value): bindings.append(value)
            case .text(let value): bindings.append(value)
            case .blob(let bytes): bindings.append(ByteBuffer(bytes: bytes))
            case .texts(let values): bindings.append(values)
            case .integers(let values): bindings.append(values)
            case .blobs(let values): bindings.append(values.map { ByteBuffer(bytes: $0) })
            case .booleans(let values): bindings.append(values)
            }
        }
        let query = PostgresQuery(unsafeSQL: Self.numberedPlaceholders(sql), binds: bindings)
        let result: PostgresQueryResult
        do {
            result = try connection.query(query, logger: logger).wait()
        } catch let error as PSQLError where error.serverInfo?[.sqlState] == "23505" {
            throw UniqueViolation(
                "\(error.serverInfo?[.message] ?? "duplicate key") (constraint \(error.serverInfo?[.constraintName] ?? "unknown"))")
        }
        return try result.rows.map { row in
            try row.makeRandomAccess().map { cell -> SQLValue in
                guard cell.bytes != nil else { return .null }
                switch cell.dataType {
                case .int2, .int4, .int8: return .integer(try cell.decode(Int64.self))
                case .bytea: return .blob(Array(try cell.decode(ByteBuffer.self).readableBytesView))
                case .bool: return .integer(try cell.decode(Bool.self) ? 1 : 0)
                default: return .text(try cell.decode(String.self))
                }
            }
        }
    }

    /// `?` → `$1`, `$2`, … (outside quoted strings).
    static func numberedPlaceholders(_ sql: String) -> String {
        var result = ""
        var index = 0
        var quoted = false
        for character in sql {
            if character == "'" { quoted.toggle() }
            if character == "?" && !quoted {
                index += 1
                result += "$\(index)"
            } else {
                result.append(character)
            }
        }
        return result
    }
}

/// A thread that runs submitted jobs one at a time.
final class SerialWorker: Sendable {
    private final class Jobs: Sendable {
        let state = Mutex<(queue: [@Sendable () -> Void], stopped: Bool)>(([], false))
        let ready = DispatchSemaphore(value: 0)
    }

    private let jobs = Jobs()

    init(name: String) {
        let jobs = self.jobs
        let thread = Thread {
            while true {
                jobs.ready.wait()
                let next = jobs.state.withLock { state -> (@Sendable () -> Void)? in
                    state.queue.isEmpty ? nil : state.queue.removeFirst()
                }
                guard let next else { return }  // woken with nothing to do: stopped
                next()
            }
        }
        thread.name = name
        thread.start()
    }

    func submit<T: Sendable>(_ job: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let accepted = jobs.state.withLock { state -> Bool in
                guard !state.stopped else { return false }
                state.queue.append { continuation.resume(with: Result { try job() }) }
                return true
            }
            if accepted {
                jobs.ready.signal()
            } else {
                continuation.resume(throwing: StorageError("the database is closed"))
            }
        }
    }

    func stop() {
        jobs.state.withLock { $0.stopped = true }
        jobs.ready.signal()
    }
}
