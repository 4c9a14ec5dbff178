import Logging
import NIOCore
import NIOPosix
import PostgresNIO
import Synchronization

/// PostgreSQL through PostgresNIO's `PostgresClient`, shared by every instance of a service. Each
/// transaction and read leases a connection of the client's pool, so HTTP reads, the outbox relay
/// and housekeeping run beside an ingest batch instead of behind it. The pool's connections are
/// read-only unless a transaction says otherwise (`BEGIN READ WRITE`), so a read runs its statements
/// as they come, each a round trip, without a transaction around them. A transaction's body is
/// synchronous: it runs on a thread of the database's own (one per pooled connection) that waits
/// for each statement's reply, never on Swift's cooperative pool or an event loop.
///
/// The database runs its client itself, from `init` to `close()`: migrations and tests use it
/// before, and without, a service group.
public final class PostgresDatabase: Database {
    public let location: String
    public var dialect: SQLDialect { .postgres }
    /// How many connections the pool opens at most (`TRIAD_DATABASE_POOL_SIZE`).
    public let poolSize: Int
    /// The default pool size: room for a batch, the relay, housekeeping and reports, and reads.
    public static let defaultPoolSize = 5

    private let settings: Settings
    private let logger: Logger
    private let pool: Mutex<Pool>
    private let threads: NIOThreadPool
    private let lockConnection: PostgresLockConnection
    private let connectionsLost = LostConnections()
    private let closed = Atomic<Bool>(false)

    /// The client and the task that runs it.
    private struct Pool {
        let client: PostgresClient
        let running: Task<Void, Never>

        init(_ settings: Settings, size: Int, logger: Logger) {
            // The pool's own notes (a lease asked for before `run()` began, which waits for it) stay out
            // of the service's log; its errors do not.
            var background = logger
            background.logLevel = max(logger.logLevel, .error)
            let client = PostgresClient(configuration: settings.client(poolSize: size), backgroundLogger: background)
            self.client = client
            running = Task { await client.run() }
        }
    }

    /// `url`: `postgres://user:password@host:port/database` (password optional).
    public init(url: String, logger: Logger, poolSize: Int = PostgresDatabase.defaultPoolSize) throws {
        let settings = try Settings(url: url)
        self.settings = settings
        location = settings.location
        self.logger = logger
        self.poolSize = poolSize
        lockConnection = try PostgresLockConnection(settings: settings, logger: logger) { [connectionsLost] in
            connectionsLost.count()
        }
        pool = Mutex(Pool(settings, size: poolSize, logger: logger))
        threads = NIOThreadPool(numberOfThreads: poolSize)
        threads.start()
    }

    public func transaction<T: Sendable>(_ body: @escaping @Sendable (any SQLSession) throws -> T) async throws -> T {
        try await run(body, readOnly: false)
    }

    public func read<T: Sendable>(_ body: @escaping @Sendable (any SQLSession) throws -> T) async throws -> T {
        try await run(body, readOnly: true)
    }

    public func sizeInBytes() async throws -> Int64 {
        try await read { try $0.query("SELECT pg_database_size(current_database())").first?.first?.integer ?? 0 }
    }

    /// Changes whenever a connection was lost: a session-level lock holder asks again.
    public var connectionGeneration: Int { connectionsLost.total }

    public func trySessionLock(_ key: Int64) async throws -> Bool {
        try await lockConnection.tryLock(key)
    }

    public func releaseSessionLock(_ key: Int64) async {
        await lockConnection.unlock(key)
    }

    /// Stops the pool once the calls in flight returned it their connections; later calls fail.
    public func close() async {
        closed.store(true, ordering: .relaxed)
        let running = pool.withLock { $0.running }
        running.cancel()
        await running.value
        await lockConnection.close()
        try? await threads.shutdownGracefully()
    }

    /// A database released without `close()` still stops its pool and its threads.
    deinit {
        pool.withLock { $0.running }.cancel()
        threads.shutdownGracefully { _ in }
    }

    private func run<T: Sendable>(
        _ body: @escaping @Sendable (any SQLSession) throws -> T, readOnly: Bool
    ) async throws -> T {
        try await leased { [threads, location, logger, connectionsLost] connection in
            try await threads.runIfActive {
                let session = PostgresSession(connection: connection, location: location, logger: logger)
                do {
                    // A read's statements run on their own (each in its own snapshot, as in a READ
                    // COMMITTED transaction), read-only by the pool's default: no BEGIN and COMMIT
                    // round trips around them.
                    if readOnly { return try body(session) }
                    try session.execute("BEGIN READ WRITE")
                    let result = try body(session)
                    try session.execute("COMMIT")
                    return result
                } catch {
                    if connection.isClosed || error is DatabaseUnavailable {
                        // Gone, or not answering: the pool drops it and connects afresh (the server
                        // rolls back what this session left open when it notices the session is gone).
                        // Closed before the lease ends (this is the database's own thread, not an
                        // event loop), so the pool never hands the dead connection to the next call.
                        _ = try? (connection.close() as EventLoopFuture<Void>).wait()
                        connectionsLost.count()
                    } else if !readOnly {
                        _ = try? session.execute("ROLLBACK")
                    }
                    throw error
                }
            }
        }
    }

    /// Runs `body` on a connection leased from the pool. A lease not granted within 200 ms asks the
    /// lock connection whether the server can be reached at all: when it cannot, the call fails at
    /// once saying why; when it can, the lease is waited for up to `replyTimeout`. A pool that gave up
    /// connecting while the server can be reached is replaced.
    private func leased<T: Sendable>(
        _ body: @escaping @Sendable (PostgresConnection) async throws -> T
    ) async throws -> T {
        guard !closed.load(ordering: .relaxed) else { throw StorageError("the database is closed") }
        let client = pool.withLock { $0.client }
        let lease = Lease()
        do {
            return try await withThrowingTaskGroup(of: T?.self) { group in
                group.addTask {
                    try await client.withConnection { connection in
                        guard lease.grant() else { throw CancellationError() }
                        return try await body(connection)
                    }
                }
                group.addTask {
                    try await self.watch(lease)
                    return nil
                }
                while let next = try await group.next() {
                    if let result = next {
                        group.cancelAll()
                        return result
                    }
                }
                throw CancellationError()  // unreachable: the lease's task returns a result or throws
            }
        } catch let error where !lease.wasGranted && !(error is DatabaseUnavailable) && !Task.isCancelled {
            // The pool refused the lease: it stopped connecting after failing for a while, or shut down.
            guard !closed.load(ordering: .relaxed) else { throw StorageError("the database is closed") }
            _ = try await lockConnection.open()
            replacePool(client)
            throw DatabaseUnavailable("PostgreSQL at \(location) is back but the pool had stopped connecting: \(error)")
        }
    }

    /// Watches a lease until it is granted (see `leased`); throws `DatabaseUnavailable` and gives
    /// the lease up when the server cannot be reached, or after `replyTimeout`. Ends quietly when
    /// cancelled: the lease's own task tells how the call ended.
    private func watch(_ lease: Lease) async throws {
        let started = ContinuousClock.now
        var nextCheck = started + .milliseconds(200)
        while lease.isWaiting && !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(50))
            let now = ContinuousClock.now
            if now - started > Settings.replyTimeout {
                guard lease.abandon() else { return }
                throw DatabaseUnavailable(
                    "no connection of the pool to PostgreSQL at \(location) within \(Settings.replyTimeout)")
            }
            guard now >= nextCheck, lease.isWaiting, !Task.isCancelled else { continue }
            do {
                _ = try await lockConnection.open()
            } catch {
                guard lease.abandon() else { return }
                throw error
            }
            nextCheck = ContinuousClock.now + .seconds(1)
        }
    }

    /// A fresh pool in place of `stale`; the stale one stops once its leases are returned.
    private func replacePool(_ stale: PostgresClient) {
        let old = pool.withLock { pool -> Pool? in
            guard pool.client === stale else { return nil }
            defer { pool = Pool(settings, size: poolSize, logger: logger) }
            return pool
        }
        if let old {
            old.running.cancel()
            logger.info("PostgreSQL pool started afresh", metadata: ["database": "\(location)"])
        }
    }
}

/// How many connections were lost so far.
private final class LostConnections: Sendable {
    private let lost = Atomic<Int>(0)
    var total: Int { lost.load(ordering: .relaxed) }
    func count() { lost.add(1, ordering: .relaxed) }
}

/// Where one lease stands: waiting for a connection, granted one, or given up by its watcher.
private final class Lease: Sendable {
    private enum State { case waiting, granted, abandoned }
    private let state = Mutex(State.waiting)

    var isWaiting: Bool { state.withLock { $0 == .waiting } }
    var wasGranted: Bool { state.withLock { $0 == .granted } }

    /// Whether the connection may be used: false once the watcher gave the lease up.
    func grant() -> Bool { move(to: .granted) }

    /// Whether the lease was still waiting, and is given up now.
    func abandon() -> Bool { move(to: .abandoned) }

    private func move(to next: State) -> Bool {
        state.withLock { state in
            guard state == .waiting else { return false }
            state = next
            return true
        }
    }
}
