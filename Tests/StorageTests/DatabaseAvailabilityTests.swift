import Foundation
import Logging
import Synchronization
import TestSupport
import Testing

@testable import TriadStorage

/// How a service notices its database going away and coming back (`WatchedDatabase`), and that a
/// PostgreSQL session that dies fails the call instead of hanging it.
@Suite struct DatabaseAvailabilityTests {
    /// A database whose calls fail with `DatabaseUnavailable` while `away` is set; counts the calls
    /// that reached it, and on SQLite counts transactions that changed something.
    final class FlakyDatabase: Database, @unchecked Sendable {
        let dialect: SQLDialect
        let away = Mutex(false)
        let calls = Atomic<Int>(0)
        let changes = Atomic<Int>(0)
        var location: String { "flaky" }
        var changesCommitted: Int? { dialect == .sqlite ? changes.load(ordering: .relaxed) : nil }

        init(_ dialect: SQLDialect) { self.dialect = dialect }

        private func call() throws {
            calls.add(1, ordering: .relaxed)
            if away.withLock({ $0 }) { throw DatabaseUnavailable("it is away") }
        }

        func transaction<T: Sendable>(_ body: @escaping @Sendable (any SQLSession) throws -> T) async throws -> T {
            try call()
            throw Unused()
        }

        /// A write that changes a row (`changing`) or nothing.
        func write(changing: Bool) throws {
            try call()
            if changing { changes.add(1, ordering: .relaxed) }
        }

        func read<T: Sendable>(_ body: @escaping @Sendable (any SQLSession) throws -> T) async throws -> T {
            try call()
            throw Unused()
        }

        func sizeInBytes() async throws -> Int64 {
            try call()
            return 1
        }

        func close() async {}
        struct Unused: Error {}
    }

    let logger = Logger(label: "test.availability")

    @Test func anOutageStartsOnAFailedCallAndEndsOnASuccessfulOne() async throws {
        let flaky = FlakyDatabase(.postgres)
        let watched = WatchedDatabase(flaky, recoveryTimeout: .seconds(60), logger: logger)
        #expect(watched.health() == .available)
        flaky.away.withLock { $0 = true }
        await #expect(throws: DatabaseUnavailable.self) { try await watched.sizeInBytes() }
        guard case .unavailable(let reason, _) = watched.health() else {
            Issue.record("expected an outage, got \(watched.health())")
            return
        }
        #expect(reason == "it is away")
        // Reads fail at once during the retry delay, without reaching the database.
        let before = flaky.calls.load(ordering: .relaxed)
        await #expect(throws: DatabaseUnavailable.self) { try await watched.sizeInBytes() }
        #expect(flaky.calls.load(ordering: .relaxed) == before)
        // After the delay one read tries again; once the database is back, it ends the outage.
        flaky.away.withLock { $0 = false }
        try await Task.sleep(for: databaseRetryDelay(afterFailures: 1) + .milliseconds(20))
        #expect(try await watched.sizeInBytes() == 1)
        #expect(watched.health() == .available)
    }

    @Test func anOutageLongerThanTheRecoveryTimeoutFails() async throws {
        let flaky = FlakyDatabase(.postgres)
        let watched = WatchedDatabase(flaky, recoveryTimeout: .seconds(2), logger: logger)
        flaky.away.withLock { $0 = true }
        await #expect(throws: DatabaseUnavailable.self) { try await watched.sizeInBytes() }
        guard case .unavailable = watched.health(now: .now + .seconds(1)) else {
            Issue.record("within the timeout: \(watched.health())")
            return
        }
        guard case .failed(let reason) = watched.health(now: .now + .seconds(3)) else {
            Issue.record("past the timeout: \(watched.health(now: .now + .seconds(3)))")
            return
        }
        #expect(reason.contains("unavailable for") && reason.contains("it is away"), "\(reason)")
    }

    /// On SQLite a full disk or a read-only file fails writes only: reads go through, and an empty
    /// transaction (which writes nothing) does not end the outage; a transaction that changed a row does.
    @Test func onSQLiteOnlyAWriteThatChangedSomethingEndsAWriteOutage() async throws {
        let flaky = FlakyDatabase(.sqlite)
        let watched = WatchedDatabase(flaky, recoveryTimeout: .seconds(60), logger: logger)
        flaky.away.withLock { $0 = true }
        await #expect(throws: DatabaseUnavailable.self) { _ = try await watched.transaction { _ in () } }
        flaky.away.withLock { $0 = false }
        let before = flaky.calls.load(ordering: .relaxed)
        #expect(try await watched.sizeInBytes() == 1)
        #expect(flaky.calls.load(ordering: .relaxed) == before + 1, "the read reached the database")
        await #expect(throws: FlakyDatabase.Unused.self) { _ = try await watched.transaction { _ in () } }
        guard case .unavailable = watched.health() else {
            Issue.record("an empty transaction ended the outage: \(watched.health())")
            return
        }
        try flaky.write(changing: true)
        await #expect(throws: FlakyDatabase.Unused.self) { _ = try await watched.transaction { _ in () } }
        #expect(watched.health() == .available)
    }

    @Test func retryDelaysDoubleUpToFiveSeconds() {
        #expect(
            [1, 2, 3, 6, 7, 100].map(databaseRetryDelay(afterFailures:)) == [
                .milliseconds(100), .milliseconds(200), .milliseconds(400), .milliseconds(3_200), .seconds(5),
                .seconds(5),
            ])
    }

    @Test func unavailabilityIsRetriedUntilGivenUpAndOtherErrorsThreeTimes() async throws {
        let attempts = Atomic<Int>(0)
        await #expect(throws: DatabaseUnavailable.self) {
            try await withDatabaseRetries(giveUp: { $0 >= 4 }) {
                attempts.add(1, ordering: .relaxed)
                throw DatabaseUnavailable("away")
            }
        }
        #expect(attempts.load(ordering: .relaxed) == 4)
        attempts.store(0, ordering: .relaxed)
        await #expect(throws: StorageError.self) {
            try await withDatabaseRetries(giveUp: { _ in false }) {
                attempts.add(1, ordering: .relaxed)
                throw StorageError("deadlock")
            }
        }
        #expect(attempts.load(ordering: .relaxed) == 3)
        let result = try await withDatabaseRetries(giveUp: { _ in false }) { () async throws -> Int in
            guard attempts.add(1, ordering: .relaxed).newValue > 5 else { throw DatabaseUnavailable("away") }
            return 42
        }
        #expect(result == 42)
    }

    /// The server ends the session in the middle of a transaction: the call fails with
    /// `DatabaseUnavailable` (it used to wait forever on a reply that never came) and the next
    /// transaction runs on a new connection.
    @Test func aPostgresSessionEndedMidTransactionFailsTheCallAndTheNextOneReconnects() async throws {
        let database = try PostgresDatabase(url: try LocalPostgres.createDatabase("session_ended"), logger: logger)
        let first = try await database.transaction {
            try $0.query("SELECT pg_backend_pid()").first?.first?.integer ?? 0
        }
        let generation = database.connectionGeneration
        let started = ContinuousClock.now
        await #expect(throws: DatabaseUnavailable.self) {
            try await database.transaction { session in
                try session.query("SELECT pg_terminate_backend(pg_backend_pid())")
            }
        }
        #expect(ContinuousClock.now - started < .seconds(5))
        let second = try await database.transaction {
            try $0.query("SELECT pg_backend_pid()").first?.first?.integer ?? 0
        }
        #expect(second != first)
        #expect(database.connectionGeneration != generation)
        await database.close()
    }
}
