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

    private let settings: Settings
    private let tls: PostgresConnection.Configuration.TLS
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
        self.settings = settings
        tls = try Self.tls(sslmode: settings.sslmode)
        location = "postgres://\(settings.user)@\(settings.host):\(settings.port)/\(settings.database)"
        self.logger = logger
        worker = SerialWorker(name: "triad-postgres")
    }

    /// The server's limits on one statement, one lock wait and a transaction left idle: a stuck
    /// session must not hold its row locks for long.
    static let serverTimeoutMilliseconds = 60_000
    /// How long a reply may take before the connection is given up for lost: the server's
    /// statement timeout and a margin for the reply to arrive.
    static let replyTimeout: Duration = .milliseconds(serverTimeoutMilliseconds + 5_000)
    /// How long connecting (TCP, TLS and the startup handshake) may take.
    static let connectTimeout: Duration = .seconds(5)

    public func transaction<T: Sendable>(_ body: @escaping @Sendable (any SQLSession) throws -> T) async throws -> T {
        try await run(body, readOnly: false)
    }

    public func read<T: Sendable>(_ body: @escaping @Sendable (any SQLSession) throws -> T) async throws -> T {
        try await run(body, readOnly: true)
    }

    private func run<T: Sendable>(_ body: @escaping @Sendable (any SQLSession) throws -> T, readOnly: Bool) async throws -> T {
        try await worker.submit { [self] in
            let session = PostgresSession(connection: try connected(), location: location, logger: logger, readOnly: readOnly)
            do {
                try session.query(readOnly ? "BEGIN READ ONLY" : "BEGIN")
                let result = try body(session)
                try session.query("COMMIT")
                return result
            } catch {
                if session.connection.isClosed || error is DatabaseUnavailable {
                    // Gone, or not answering: the next call connects afresh (the server rolls back
                    // what this session left open when it notices the session is gone).
                    forget(session.connection)
                } else {
                    _ = try? session.query("ROLLBACK")
                }
                throw error
            }
        }
    }

    /// Drops `connection` (closing it without waiting), so the next call connects again.
    private func forget(_ lost: PostgresConnection) {
        connection.withLock { current in
            if current === lost { current = nil }
        }
        // Kept until closed: PostgresNIO wants a connection closed before it is released.
        lost.close().whenComplete { _ in withExtendedLifetime(lost) {} }
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

    /// The open connection, connecting (again) when there is none or it closed. The socket has TCP
    /// keepalive on (a peer gone without a word is noticed within about 25 s of silence) and every
    /// step is bounded: a database that is away fails the call with `DatabaseUnavailable`.
    private func connected() throws -> PostgresConnection {
        if let existing = connection.withLock({ $0 }) {
            if !existing.isClosed { return existing }
            forget(existing)
        }
        let id = connectionIds.add(1, ordering: .relaxed).newValue
        let eventLoop = MultiThreadedEventLoopGroup.singleton.any()
        let fresh: PostgresConnection
        do {
            let channel = try waitForReply(
                Self.bootstrap(on: eventLoop).connect(host: settings.host, port: settings.port), timeout: Self.connectTimeout + .seconds(1),
                while: { true }, doing: "connecting")
            var configuration = PostgresConnection.Configuration(
                establishedChannel: channel, tls: tls, username: settings.user, password: settings.password, database: settings.database)
            configuration.options.connectTimeout = .milliseconds(Int64(Self.connectTimeout.components.seconds * 1000))
            // The certificate is checked against the host name (`verify-full`), as with a direct connect.
            configuration.options.tlsServerName = Self.isIPAddress(settings.host) ? nil : settings.host
            configuration.options.additionalStartupParameters = [
                ("statement_timeout", "\(Self.serverTimeoutMilliseconds)"), ("lock_timeout", "\(Self.serverTimeoutMilliseconds)"),
                ("idle_in_transaction_session_timeout", "\(Self.serverTimeoutMilliseconds)"),
            ]
            do {
                fresh = try waitForReply(
                    PostgresConnection.connect(on: eventLoop, configuration: configuration, id: id, logger: logger),
                    timeout: Self.connectTimeout + .seconds(1), while: { channel.isActive }, doing: "connecting")
            } catch {
                channel.close(promise: nil)
                throw error
            }
        } catch let error as DatabaseUnavailable {
            throw error
        } catch {
            // PSQLError's description hides the cause; its reflection names it.
            throw DatabaseUnavailable("cannot connect to PostgreSQL at \(location): \(String(reflecting: error))")
        }
        connection.withLock { $0 = fresh }
        return fresh
    }

    /// A TCP client with keepalive: probes after 10 s of silence, every 5 s, 3 unanswered end the
    /// connection; data unacknowledged for 30 s ends it too.
    static func bootstrap(on eventLoop: any EventLoop) -> ClientBootstrap {
        ClientBootstrap(group: eventLoop)
            .connectTimeout(.seconds(Int64(connectTimeout.components.seconds)))
            .channelOption(.socketOption(.so_keepalive), value: 1)
            .channelOption(ChannelOptions.Types.SocketOption(level: IPPROTO_TCP, name: TCP_KEEPIDLE), value: 10)
            .channelOption(ChannelOptions.Types.SocketOption(level: IPPROTO_TCP, name: TCP_KEEPINTVL), value: 5)
            .channelOption(ChannelOptions.Types.SocketOption(level: IPPROTO_TCP, name: TCP_KEEPCNT), value: 3)
            .channelOption(ChannelOptions.Types.SocketOption(level: IPPROTO_TCP, name: TCP_USER_TIMEOUT), value: 30_000)
    }

    static func isIPAddress(_ host: String) -> Bool {
        var v4 = in_addr(), v6 = in6_addr()
        return inet_pton(AF_INET, host, &v4) == 1 || inet_pton(AF_INET6, host, &v6) == 1
    }

    /// Waits on this (worker) thread for `future`, but fails with `DatabaseUnavailable` once
    /// `timeout` passed or as soon as `isOpen` turns false: a reply that never comes (the server
    /// went away mid-query, which can leave PostgresNIO's future pending for good) must not hold
    /// the worker, and every call queued behind it, forever.
    func waitForReply<T>(
        _ future: EventLoopFuture<T>, timeout: Duration, while isOpen: () -> Bool, doing what: String
    ) throws -> T {
        try Self.waitForReply(future, timeout: timeout, while: isOpen, doing: what, location: location)
    }

    static func waitForReply<T>(
        _ future: EventLoopFuture<T>, timeout: Duration, while isOpen: () -> Bool, doing what: String, location: String
    ) throws -> T {
        let reply = Reply<T>()
        future.whenComplete { reply.set($0) }
        let deadline = ContinuousClock.now + timeout
        while reply.done.wait(timeout: .now() + .milliseconds(100)) == .timedOut {
            guard isOpen() else { throw DatabaseUnavailable("the connection to PostgreSQL at \(location) closed while \(what)") }
            guard ContinuousClock.now < deadline else {
                throw DatabaseUnavailable("PostgreSQL at \(location) did not answer within \(timeout) while \(what)")
            }
        }
        return try reply.get()
    }

    /// A database released without `close()` still closes its connection (kept until closed, as
    /// PostgresNIO wants) and ends its thread.
    deinit {
        if let open = connection.withLock({ $0 }) { open.close().whenComplete { _ in withExtendedLifetime(open) {} } }
        worker.stop()
    }

    /// Closes the connection on the worker, after the jobs already queued; later jobs fail.
    public func close() async {
        _ = try? await worker.submit { [self] in
            let open = connection.withLock { connection in
                defer { connection = nil }
                return connection
            }
            if let open { _ = try? waitForReply(open.close(), timeout: .seconds(5), while: { true }, doing: "closing") }
        }
        worker.stop()
    }
}

struct PostgresSession: SQLSession {
    let connection: PostgresConnection
    let location: String
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
            result = try PostgresDatabase.waitForReply(
                connection.query(query, logger: logger), timeout: PostgresDatabase.replyTimeout,
                while: { !connection.isClosed }, doing: "waiting for a statement's reply", location: location)
        } catch let error as PSQLError where error.serverInfo?[.sqlState] == "23505" {
            throw UniqueViolation(
                "\(error.serverInfo?[.message] ?? "duplicate key") (constraint \(error.serverInfo?[.constraintName] ?? "unknown"))")
        } catch let error as PSQLError {
            if let unavailable = Self.unavailability(error, location: location) { throw unavailable }
            throw error
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

    /// What a failed statement means when the database, not the statement, is the problem: the
    /// connection gone (the server restarted or shut down, the network failed), the server starting
    /// up or shutting down (57P01–57P03), out of connections, memory or disk (class 53), an I/O error
    /// (class 58), or a read-only server (25006: a primary turned standby in a failover).
    static func unavailability(_ error: PSQLError, location: String) -> DatabaseUnavailable? {
        switch error.code {
        case .serverClosedConnection, .clientClosedConnection, .connectionError, .uncleanShutdown:
            return DatabaseUnavailable("the connection to PostgreSQL at \(location) was lost: \(String(reflecting: error))")
        default:
            break
        }
        guard let state = error.serverInfo?[.sqlState] else { return nil }
        guard state.hasPrefix("08") || state.hasPrefix("53") || state.hasPrefix("58") || ["57P01", "57P02", "57P03", "25006"].contains(state)
        else { return nil }
        return DatabaseUnavailable("PostgreSQL at \(location) answered \(state): \(error.serverInfo?[.message] ?? "")")
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

/// The outcome of a future, handed from an event loop to the thread that waits for it.
private final class Reply<T>: @unchecked Sendable {
    let done = DispatchSemaphore(value: 0)
    private var result: Result<T, any Error>?

    /// Called once, on the event loop; `done` orders it before `get`.
    func set(_ result: Result<T, any Error>) {
        self.result = result
        done.signal()
    }

    func get() throws -> T { try result!.get() }
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
