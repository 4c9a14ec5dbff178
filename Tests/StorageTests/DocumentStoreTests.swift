import Foundation
import Logging
import TestSupport
import Testing
import TriadStorage

/// The same storage behaviour on both databases.
enum Backend: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case sqlite, postgres
    var testDescription: String { rawValue }

    func open() async throws -> any Database {
        let database: any Database
        switch self {
        case .sqlite:
            database = try SQLiteDatabase(path: Paths.scratch("storage").appendingPathComponent("test.sqlite").path)
        case .postgres:
            database = try PostgresDatabase(url: try LocalPostgres.createDatabase("storage"), logger: Logger(label: "test.storage"))
        }
        try await Migrations.apply(to: database)
        return database
    }
}

struct Thing: Codable, Equatable, Sendable {
    var name: String
    var count: Int
}

struct Refused: Error {}

@Suite(.serialized) struct DocumentStoreTests {
    @Test(arguments: Backend.allCases)
    func migrationsApplyOnce(_ backend: Backend) async throws {
        let database = try await backend.open()
        #expect(try await Migrations.apply(to: database) == [])
        let versions = try await database.read { try $0.query("SELECT version FROM schema_migrations").compactMap { $0.first?.integer } }
        #expect(versions == Migrations.all.map { Int64($0.version) })
        #expect(versions == [1, 2])
        await database.close()
    }

    @Test(arguments: Backend.allCases)
    func recordsRoundTripAndQueriesSeeUnflushedChanges(_ backend: Backend) async throws {
        let database = try await backend.open()
        try await database.transaction { session in
            let transaction = DocumentTransaction(session: session)
            #expect(transaction.get(Thing.self, kind: "thing", id: "a") == nil)
            transaction.put(Thing(name: "a", count: 1), kind: "thing", id: "a", due: 50)
            transaction.put(Thing(name: "b", count: 2), kind: "thing", id: "b", due: 150)
            transaction.put(Thing(name: "c", count: 3), kind: "thing", id: "c")
            #expect(transaction.get(Thing.self, kind: "thing", id: "a")?.count == 1)
            #expect(transaction.all(Thing.self, kind: "thing").map(\.name) == ["a", "b", "c"])
            #expect(transaction.due(Thing.self, kind: "thing", atOrBefore: 100).map(\.name) == ["a"])
            try transaction.flush()
        }
        let read = try await database.read { session in
            DocumentTransaction(session: session, forWriting: false).get(Thing.self, kind: "thing", id: "b")
        }
        #expect(read == Thing(name: "b", count: 2))
        await database.close()
    }

    @Test(arguments: Backend.allCases)
    func aFailedTransactionLeavesNothingBehind(_ backend: Backend) async throws {
        let database = try await backend.open()
        await #expect(throws: Refused.self) {
            try await database.transaction { session in
                let transaction = DocumentTransaction(session: session)
                transaction.put(Thing(name: "x", count: 1), kind: "thing", id: "x")
                transaction.markApplied(source: "/s", id: "e1")
                transaction.appendOutbox(OutboxMessage(topic: "t", eventType: "e", key: nil, value: [1], headers: []))
                try transaction.flush()
                throw Refused()
            }
        }
        let (thing, applied, backlog) = try await database.read { session in
            let transaction = DocumentTransaction(session: session, forWriting: false)
            return (
                transaction.get(Thing.self, kind: "thing", id: "x"), transaction.isApplied(source: "/s", id: "e1"),
                try Outbox.backlog(in: session)
            )
        }
        #expect(thing == nil)
        #expect(!applied)
        #expect(backlog == 0)
        await database.close()
    }

    @Test(arguments: Backend.allCases)
    func markersAndAppliedEventsAreSets(_ backend: Backend) async throws {
        let database = try await backend.open()
        try await database.transaction { session in
            let transaction = DocumentTransaction(session: session)
            #expect(transaction.insertMarker(kind: "order", id: "o1"))
            #expect(!transaction.insertMarker(kind: "order", id: "o1"))
            _ = transaction.insertMarker(kind: "dirty", id: "b")
            _ = transaction.insertMarker(kind: "dirty", id: "a")
            #expect(transaction.takeMarkers(kind: "dirty") == ["a", "b"])
            #expect(transaction.takeMarkers(kind: "dirty") == [])
            #expect(!transaction.isApplied(source: "/shop", id: "e1"))
            transaction.markApplied(source: "/shop", id: "e1")
            #expect(transaction.isApplied(source: "/shop", id: "e1"))
            #expect(!transaction.isApplied(source: "/crm", id: "e1"), "ids are unique per source")
            try transaction.flush()
        }
        await database.close()
    }

    @Test(arguments: Backend.allCases)
    func theOutboxKeepsOrderAndBytes(_ backend: Backend) async throws {
        let database = try await backend.open()
        let messages = (0..<5).map { index in
            OutboxMessage(
                topic: "t", eventType: "type-\(index)", key: index == 2 ? nil : Array("k\(index)".utf8),
                value: [0, 255, UInt8(index)], headers: [(name: "h", value: [UInt8(index), 0])])
        }
        try await database.transaction { session in
            let transaction = DocumentTransaction(session: session)
            for message in messages { transaction.appendOutbox(message) }
            try transaction.flush()
        }
        let read = try await database.read { try Outbox.next(10, in: $0) }
        #expect(read.map(\.eventType) == messages.map(\.eventType))
        #expect(read.map(\.value) == messages.map(\.value))
        #expect(read.map(\.key) == messages.map(\.key))
        #expect(read.map { $0.headers.map(\.value) } == messages.map { $0.headers.map(\.value) })
        try await database.transaction { try Outbox.remove([read[0].sequence, read[2].sequence], in: $0) }
        #expect(try await database.read { try Outbox.next(10, in: $0) }.map(\.eventType) == ["type-1", "type-3", "type-4"])
        // A row the broker refused for good is kept aside, out of the relay's way.
        let refused = read[3].sequence
        try await database.transaction { try Outbox.setAside(refused, error: "too large", in: $0) }
        #expect(try await database.read { try Outbox.next(10, in: $0) }.map(\.eventType) == ["type-1", "type-4"])
        let aside = try await database.read {
            try $0.query("SELECT event_type, error FROM outbox_failed WHERE seq = ?", [.integer(refused)]).first
        }
        #expect(aside == [.text("type-3"), .text("too large")])
        await database.close()
    }

    @Test func sqliteStateSurvivesReopening() async throws {
        let path = Paths.scratch("reopen").appendingPathComponent("state.sqlite").path
        let first = try SQLiteDatabase(path: path)
        try await Migrations.apply(to: first)
        try await first.transaction { session in
            let transaction = DocumentTransaction(session: session)
            transaction.put(Thing(name: "kept", count: 7), kind: "thing", id: "k")
            try transaction.flush()
        }
        await first.close()
        let second = try SQLiteDatabase(path: path)
        #expect(try await Migrations.apply(to: second) == [])
        let thing = try await second.read { DocumentTransaction(session: $0, forWriting: false).get(Thing.self, kind: "thing", id: "k") }
        #expect(thing == Thing(name: "kept", count: 7))
        await second.close()
    }

    /// Two processes' worth of connections update one new record concurrently: row locks keep every update.
    @Test func postgresSerializesConcurrentUpdatesOfANewRecord() async throws {
        let url = try LocalPostgres.createDatabase("locking")
        let a = try PostgresDatabase(url: url, logger: Logger(label: "a"))
        let b = try PostgresDatabase(url: url, logger: Logger(label: "b"))
        try await Migrations.apply(to: a)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for database in [a, b] {
                group.addTask {
                    for _ in 0..<40 {
                        try await database.transaction { session in
                            let transaction = DocumentTransaction(session: session)
                            var thing = transaction.get(Thing.self, kind: "counter", id: "shared") ?? Thing(name: "shared", count: 0)
                            thing.count += 1
                            transaction.put(thing, kind: "counter", id: "shared")
                            try transaction.flush()
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        let final = try await a.read { DocumentTransaction(session: $0, forWriting: false).get(Thing.self, kind: "counter", id: "shared") }
        #expect(final?.count == 80)
        await a.close()
        await b.close()
    }

    @Test func badPostgresURLsAreRefused() {
        #expect(throws: StorageError.self) { try PostgresDatabase(url: "mysql://x@y/z", logger: Logger(label: "t")) }
        #expect(throws: StorageError.self) { try PostgresDatabase(url: "postgres://x@localhost", logger: Logger(label: "t")) }
    }
}
