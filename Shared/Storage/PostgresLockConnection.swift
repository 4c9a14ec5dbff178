import Logging
import NIOCore
import NIOPosix
import NIOSSL
import PostgresNIO
import Synchronization

/// The one connection a database keeps outside its pool, with TCP keepalive. It holds the
/// session-level advisory locks, which a pooled connection would take away with it when the pool
/// closes it, and it tells a server that cannot be reached from a pool that is only busy.
final class PostgresLockConnection: Sendable {
    private let settings: PostgresDatabase.Settings
    private let sslContext: NIOSSLContext?
    private let logger: Logger
    /// Called whenever the connection closes: the locks it held are gone.
    private let onLost: @Sendable () -> Void
    private let state = Mutex(State())

    private struct State {
        var connection: PostgresConnection?
        /// The connect in progress, which every caller waits for.
        var connecting: Task<PostgresConnection, any Error>?
        /// The advisory locks `connection` holds.
        var locks: Set<Int64> = []
        var closed = false
        var connects = 0
    }

    init(settings: PostgresDatabase.Settings, logger: Logger, onLost: @escaping @Sendable () -> Void) throws {
        self.settings = settings
        sslContext = try settings.tls.map { try NIOSSLContext(configuration: $0.configuration) }
        self.logger = logger
        self.onLost = onLost
    }

    /// The open connection, connecting when there is none or it closed. A server that cannot be
    /// reached fails the call with `DatabaseUnavailable` saying why, within `connectTimeout` and 1 s.
    func open() async throws -> PostgresConnection {
        enum Next {
            case open(PostgresConnection)
            case wait(Task<PostgresConnection, any Error>)
        }
        let next = try state.withLock { state throws(StorageError) -> Next in
            guard !state.closed else { throw StorageError("the database is closed") }
            if let connection = state.connection, !connection.isClosed { return .open(connection) }
            if let connecting = state.connecting { return .wait(connecting) }
            if let lost = state.connection { Self.release(lost) }
            state.connection = nil
            state.locks = []
            state.connects += 1
            let id = state.connects
            let task = Task { try await self.connect(id: id) }
            state.connecting = task
            return .wait(task)
        }
        switch next {
        case .open(let connection): return connection
        case .wait(let task): return try await task.value
        }
    }

    /// Takes the advisory lock `key` unless another session holds it; true while this connection
    /// holds it (asked again, it answers without taking it twice).
    func tryLock(_ key: Int64) async throws -> Bool {
        let connection = try await open()
        if state.withLock({ $0.connection === connection && $0.locks.contains(key) }) { return true }
        let taken =
            try await value(of: connection.query("SELECT pg_try_advisory_lock(\(key))", logger: logger))
            .rows.first?.decode(Bool.self) ?? false
        if taken { state.withLock { if $0.connection === connection { $0.locks.insert(key) } } }
        return taken
    }

    /// Lets go of the advisory lock `key` if this connection holds it.
    func unlock(_ key: Int64) async {
        let holder = state.withLock { state -> PostgresConnection? in
            state.locks.remove(key) == nil ? nil : state.connection
        }
        guard let holder else { return }
        _ = try? await value(of: holder.query("SELECT pg_advisory_unlock(\(key))", logger: logger))
    }

    /// Closes the connection; later calls fail.
    func close() async {
        let open = state.withLock { state in
            state.closed = true
            defer { state.connection = nil }
            return state.connection
        }
        if let open { _ = try? await value(of: open.close(), within: .seconds(5), doing: "closing") }
    }

    deinit {
        if let open = state.withLock({ $0.connection }) { Self.release(open) }
    }

    /// Connects over a TCP connection with keepalive (`Settings.bootstrap`); every step is bounded.
    private func connect(id: Int) async throws -> PostgresConnection {
        let eventLoop = MultiThreadedEventLoopGroup.singleton.any()
        let connection: PostgresConnection
        do {
            let timeout = PostgresDatabase.Settings.connectTimeout + .seconds(1)
            let bootstrap = PostgresDatabase.Settings.bootstrap(on: eventLoop)
            let channel = try await value(
                of: bootstrap.connect(host: settings.host, port: settings.port), within: timeout, doing: "connecting")
            do {
                let configuration = settings.connection(over: channel, sslContext: sslContext)
                connection = try await value(
                    of: PostgresConnection.connect(on: eventLoop, configuration: configuration, id: id, logger: logger),
                    within: timeout, doing: "connecting")
            } catch {
                channel.close(promise: nil)
                throw error
            }
        } catch {
            state.withLock { $0.connecting = nil }
            if let unavailable = error as? DatabaseUnavailable { throw unavailable }
            // PSQLError's description hides the cause; its reflection names it.
            throw DatabaseUnavailable(
                "cannot connect to PostgreSQL at \(settings.location): \(String(reflecting: error))")
        }
        let closed = state.withLock { state in
            state.connecting = nil
            if !state.closed { state.connection = connection }
            return state.closed
        }
        guard !closed else {
            Self.release(connection)
            throw StorageError("the database is closed")
        }
        let onLost = self.onLost
        connection.closeFuture.whenComplete { _ in onLost() }
        return connection
    }

    /// Closes `connection` without waiting, keeping it until closed (as PostgresNIO wants).
    private static func release(_ connection: PostgresConnection) {
        connection.close().whenComplete { _ in withExtendedLifetime(connection) {} }
    }

    /// `future`'s value, or `DatabaseUnavailable` once `timeout` passed.
    private func value<T: Sendable>(
        of future: EventLoopFuture<T>, within timeout: Duration = PostgresDatabase.Settings.replyTimeout,
        doing what: String = "waiting for a reply"
    ) async throws -> T {
        let promise = future.eventLoop.makePromise(of: T.self)
        future.cascade(to: promise)
        let unavailable = DatabaseUnavailable(
            "PostgreSQL at \(settings.location) did not answer within \(timeout) while \(what)")
        let timer = future.eventLoop.scheduleTask(in: TimeAmount(timeout)) { promise.fail(unavailable) }
        defer { timer.cancel() }
        do {
            return try await promise.futureResult.get()
        } catch let error as PSQLError {
            throw PostgresSession.unavailability(error, location: settings.location) ?? error
        }
    }
}
