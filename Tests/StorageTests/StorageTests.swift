import Foundation
import Logging
import TestSupport
import Testing
import TriadEvents
import TriadKafka

@testable import TriadStorage

/// The same storage behaviour on both databases.
extension Store {
    /// In a locale that does not sort by bytes on PostgreSQL: the schema must not depend on it.
    func open() async throws -> any Database {
        try await open(
            "storage", migrations: Migrations.shared + [Self.things], postgresOptions: LocalPostgres.dictionaryOrder)
    }

    /// Tables of the tests' own: one shaped like the services' counters, one whose rows expire.
    static let things = Migrations.Migration(version: 900) { _ in
        [
            "CREATE TABLE things (name TEXT PRIMARY KEY, count BIGINT NOT NULL, note TEXT)",
            "CREATE TABLE aged (name TEXT NOT NULL, part BIGINT NOT NULL, at BIGINT NOT NULL, PRIMARY KEY (name, part))",
        ]
    }
}

struct Refused: Error {}

let thingColumns: [Column] = [.text("name"), .integer("count"), .text("note", nullable: true)]
let addCounts = "ON CONFLICT (name) DO UPDATE SET count = things.count + excluded.count"

@Suite(.serialized) struct StorageTests {
    @Test(arguments: Store.allCases)
    func reportLinksAreTakenOnceInTheOrderTheyWereRecorded(_ backend: Store) async throws {
        let database = try await backend.open()
        try await database.transaction {
            try ReportLinks.record([("c-1", "a"), ("c-2", "b"), ("c-1", "c")], at: 1, in: $0)
        }
        try await database.transaction { try ReportLinks.record([("c-1", "d")], at: 2, in: $0) }
        #expect(
            try await database.transaction { try ReportLinks.take(in: $0) } == ["c-1": ["a", "c", "d"], "c-2": ["b"]])
        #expect(try await database.transaction { try ReportLinks.take(in: $0) } == [:])
        await database.close()
    }

    @Test(arguments: Store.allCases)
    func migrationsApplyOnce(_ backend: Store) async throws {
        let database = try await backend.open()
        #expect(try await Migrations.apply(to: database, migrations: Migrations.shared + [Store.things]) == [])
        let versions = try await database.read {
            try $0.query("SELECT version FROM schema_migrations ORDER BY version").compactMap { $0.first?.integer }
        }
        #expect(versions == [1, 2, 3, 4, 5, 900])
        await database.close()
    }

    @Test(arguments: Store.allCases)
    func multiRowWritesKeepNullsAndAddIncrements(_ backend: Store) async throws {
        let database = try await backend.open()
        try await database.transaction { session in
            try session.insert(
                into: "things", thingColumns,
                rows: [[.text("a"), .integer(1), .null], [.text("b"), .integer(2), .text("two")]], addCounts)
            try session.insert(
                into: "things", thingColumns,
                rows: [[.text("a"), .integer(10), .null], [.text("c"), .integer(3), .null]], addCounts)
            try session.insert(into: "things", thingColumns, rows: [], addCounts)
        }
        let rows = try await database.read { session in
            try session.query(
                "SELECT name, count, note FROM things WHERE name {keys} ORDER BY name", keys: ["a", "b", "c", "zz"])
        }
        #expect(
            rows.sorted { ($0[0].text ?? "") < ($1[0].text ?? "") } == [
                [.text("a"), .integer(11), .null], [.text("b"), .integer(2), .text("two")],
                [.text("c"), .integer(3), .null],
            ])
        await database.close()
    }

    /// Keys compare as bytes on both stores, whatever the database's locale: lists in key order and
    /// `after=` cursors page the same way everywhere.
    @Test(arguments: Store.allCases)
    func keysOrderAsBytesOnBothStores(_ backend: Store) async throws {
        let database = try await backend.open()
        let names = ["a", "B", "é", "z", "_x", "Z9", "a-1"]
        _ = try await database.transaction { session in
            try session.insert(into: "things", thingColumns, rows: names.map { [.text($0), .integer(1), .null] })
        }
        let (ordered, after) = try await database.read { session in
            (
                try session.query("SELECT name FROM things ORDER BY name").compactMap { $0.first?.text },
                try session.query("SELECT name FROM things WHERE name > ? ORDER BY name", [.text("Z")]).compactMap {
                    $0.first?.text
                }
            )
        }
        #expect(ordered == names.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) })
        #expect(ordered == ["B", "Z9", "_x", "a", "a-1", "z", "é"])
        #expect(after == ["Z9", "_x", "a", "a-1", "z", "é"])
        await database.close()
    }

    /// A read sees what was committed and cannot write, on both stores (PostgreSQL runs a read's
    /// statements without a transaction around them, on connections read-only by default).
    @Test(arguments: Store.allCases)
    func aReadCannotWrite(_ backend: Store) async throws {
        let database = try await backend.open()
        _ = try await database.transaction {
            try $0.insert(into: "things", thingColumns, rows: [[.text("a"), .integer(1), .null]])
        }
        await #expect(throws: (any Error).self) {
            try await database.read {
                try $0.insert(into: "things", thingColumns, rows: [[.text("b"), .integer(1), .null]])
            }
        }
        let names = try await database.read { try $0.query("SELECT name FROM things").compactMap { $0.first?.text } }
        await database.close()
        #expect(names == ["a"])
    }

    @Test func theTablesMigrationsLeaveAreFoundByName() {
        let migrations = [
            Migrations.Migration(version: 1) { _ in
                [
                    "CREATE TABLE a (x TEXT)", "create table\tB(x TEXT)", "CREATE TABLE IF NOT EXISTS c (x TEXT)",
                    #"CREATE TABLE "Quoted" (x TEXT)"#,
                ]
            },
            Migrations.Migration(version: 2) { _ in
                ["DROP TABLE IF EXISTS a", "DROP TABLE c", "CREATE INDEX b_x ON b (x)"]
            },
        ]
        #expect(Migrations.tables(of: migrations, dialect: .postgres) == ["Quoted", "b", "schema_migrations"])
        let shared = Migrations.tables(of: Migrations.shared, dialect: .postgres)
        #expect(
            shared == [
                "applied_events", "dead_lettered", "outbox", "outbox_failed", "report_links", "schema_migrations",
            ])
    }

    /// Only Triad's tables get byte order: a table of someone else's in the same schema keeps its collation.
    @Test func othersTablesInTheSchemaAreLeftAlone() async throws {
        let database = try await Store.postgres.open()
        // `records` is a name Triad once had and dropped: someone else's table by that name is theirs.
        _ = try await database.transaction { session in
            try session.query("CREATE TABLE theirs (name TEXT PRIMARY KEY)")
            try session.query("CREATE TABLE records (name TEXT PRIMARY KEY)")
        }
        try await Migrations.apply(to: database, migrations: Migrations.shared + [Store.things])
        let collations = try await database.read { session in
            try session.query(
                """
                SELECT table_name::text, column_name::text, COALESCE(collation_name::text, 'default') FROM information_schema.columns
                WHERE table_schema = current_schema() AND data_type = 'text' AND table_name::text IN ('theirs', 'records', 'things', 'applied_events')
                ORDER BY 1, 2
                """
            ).map { $0.compactMap(\.text).joined(separator: ".") }
        }
        #expect(
            collations == [
                "applied_events.id.C", "applied_events.source.C", "records.name.default", "theirs.name.default",
                "things.name.C",
                "things.note.C",
            ])
        await database.close()
    }

    @Test(arguments: Store.allCases)
    func aFailedTransactionLeavesNothingBehind(_ backend: Store) async throws {
        let database = try await backend.open()
        await #expect(throws: Refused.self) {
            try await database.transaction { session in
                try session.insert(into: "things", thingColumns, rows: [[.text("x"), .integer(1), .null]])
                _ = try AppliedEvents.record([.init(source: "/s", id: "e1")], at: 1, in: session)
                try Outbox.append(
                    [OutboxMessage(topic: "t", eventType: "e", key: nil, value: [1], headers: [])], in: session)
                throw Refused()
            }
        }
        let (things, applied, backlog) = try await database.read { session in
            (
                try session.query("SELECT COUNT(*) FROM things").first?.first?.integer,
                try AppliedEvents.count(in: session),
                try Outbox.backlog(in: session)
            )
        }
        #expect(things == 0)
        #expect(applied == 0)
        #expect(backlog == 0)
        await database.close()
    }

    @Test(arguments: Store.allCases)
    func appliedEventsAreNewOnceAndPrunedByAge(_ backend: Store) async throws {
        let database = try await backend.open()
        let e1 = AppliedEvents.Key(source: "/shop", id: "e1")
        let e2 = AppliedEvents.Key(source: "/shop", id: "e2")
        let crm = AppliedEvents.Key(source: "/crm", id: "e1")
        try await database.transaction { (session: any SQLSession) throws in
            #expect(try AppliedEvents.record([e1, e2, e1], at: 1_000, in: session) == [true, true, false])
            #expect(
                try AppliedEvents.record([e1, crm], at: 2_000, in: session) == [false, true],
                "ids are unique per source")
            try AppliedEvents.forget([e2], in: session)
            #expect(try AppliedEvents.record([e2], at: 3_000, in: session) == [true], "a forgotten event is new again")
        }
        try await database.transaction { (session: any SQLSession) throws in
            #expect(try AppliedEvents.sweep(keptFor: .seconds(1)).sweep(olderThan: 2_000, in: session) == 1)
            #expect(try AppliedEvents.count(in: session) == 2)
            #expect(
                try AppliedEvents.record([e1], at: 4_000, in: session) == [true], "past the window an id is forgotten")
        }
        await database.close()
    }

    @Test(arguments: Store.allCases)
    func anAgeSweepWalksTheKeyAStretchARoundAndStartsOverAtTheEnd(_ backend: Store) async throws {
        let database = try await backend.open()
        // In key order: (a, 1) (a, 2) (b, 1) (b, 2) … (e, 2); part 1 is expired, part 2 is not.
        let rows: [[SQLValue]] = ["a", "b", "c", "d", "e"].flatMap { name in
            [[.text(name), .integer(1), .integer(100)], [.text(name), .integer(2), .integer(900)]]
        }
        _ = try await database.transaction {
            try $0.insert(into: "aged", [.text("name"), .integer("part"), .integer("at")], rows: rows)
        }
        let sweep = AgeSweep(
            table: "aged", key: ["name", "part"], age: "at", lifetime: .seconds(3_600), minimumStretch: 3)
        func round() async throws -> Int { try await database.transaction { try sweep.sweep(olderThan: 500, in: $0) } }
        #expect(try await round() == 2, "(a, 1) (a, 2) (b, 1)")
        #expect(try await round() == 1, "(b, 2) (c, 1) (c, 2)")
        #expect(try await round() == 2, "(d, 1) (d, 2) (e, 1)")
        #expect(try await round() == 0, "(e, 2), the end of the table")
        // A row before the pass's position is examined on the next pass, which starts at the beginning.
        _ = try await database.transaction { try $0.query("INSERT INTO aged (name, part, at) VALUES ('a', 0, 100)") }
        #expect(try await round() == 1, "(a, 0) (a, 2) (b, 2)")
        let left = try await database.read { try $0.query("SELECT name, part FROM aged ORDER BY name, part") }
        #expect(left.map { "\($0[0].text ?? "")\($0[1].integer ?? 0)" } == ["a2", "b2", "c2", "d2", "e2"])
        await database.close()
    }

    @Test func anAgeSweepSpreadsAPassOverHalfTheLifetime() {
        func stretch(_ size: Int, every interval: Duration) -> Int {
            AgeSweep.stretch(
                tableSize: size, interval: interval, lifetime: .seconds(604_800), minimum: 10_000, maximum: 500_000)
        }
        #expect(stretch(1_000_000_000, every: .seconds(10)) == 33_069, "10^9 rows over 30,240 rounds of 10 s")
        #expect(stretch(1_000_000, every: .seconds(10)) == 10_000, "at least the minimum")
        #expect(stretch(100_000_000_000, every: .seconds(10)) == 500_000, "at most the maximum")
        #expect(stretch(1_000_000_000, every: .zero) == 10_000, "the first round")
    }

    @Test(arguments: Store.allCases)
    func deadLettersAreRememberedByPositionAndContent(_ backend: Store) async throws {
        let database = try await backend.open()
        try await database.transaction { (session: any SQLSession) throws in
            #expect(
                try DeadLetterMemo.firstTime(topic: "t", partition: 1, offset: 7, value: [1, 2], at: 1, in: session))
            #expect(
                try !DeadLetterMemo.firstTime(topic: "t", partition: 1, offset: 7, value: [1, 2], at: 2, in: session))
            #expect(
                try DeadLetterMemo.firstTime(topic: "t", partition: 2, offset: 7, value: [1, 2], at: 2, in: session))
            // The topic was created again: another message at the same position is new.
            #expect(try DeadLetterMemo.firstTime(topic: "t", partition: 1, offset: 7, value: [9], at: 3, in: session))
            #expect(try DeadLetterMemo.prune(recordedBefore: 3, in: session) == 1)
        }
        await database.close()
    }

    @Test(arguments: Store.allCases)
    func theOutboxKeepsOrderAndBytes(_ backend: Store) async throws {
        let database = try await backend.open()
        let messages = (0..<5).map { index in
            OutboxMessage(
                topic: "t", eventType: "type-\(index)", key: index == 2 ? nil : Array("k\(index)".utf8),
                value: [0, 255, UInt8(index)], headers: [KafkaHeader("h", [UInt8(index), 0])])
        }
        try await database.transaction { try Outbox.append(messages, in: $0) }
        let read = try await database.read { try Outbox.next(10, in: $0) }
        #expect(read.map(\.eventType) == messages.map(\.eventType))
        #expect(read.map(\.value) == messages.map(\.value))
        #expect(read.map(\.key) == messages.map(\.key))
        #expect(read.map(\.headers) == messages.map(\.headers))
        // Header names with what JSON escapes, and values of every byte, come back as they went in.
        let odd = OutboxMessage(
            topic: "t", eventType: "odd", key: nil, value: [1],
            headers: [
                KafkaHeader("quote\"back\\slash", Array(0...255)), KafkaHeader("tab\tnul\u{0}é☃", []),
                KafkaHeader("", "/+="),
            ])
        try await database.transaction { try Outbox.append([odd], in: $0) }
        let oddRead = try await database.read { try Outbox.next(10, in: $0) }.last
        #expect(oddRead?.headers == odd.headers)
        // The column's text is what earlier releases wrote (rows written by them are read back).
        #expect(
            odd.encodedHeaders == #"[["quote\"back\\slash","# + "\"\(Data(Array(0...255)).base64EncodedString())\"],"
                + #"["tab\tnul\u0000é☃",""],["","Lys9"]]"#)
        try await database.transaction { try Outbox.remove([oddRead?.sequence ?? 0], in: $0) }
        try await database.transaction { try Outbox.remove([read[0].sequence, read[2].sequence], in: $0) }
        #expect(
            try await database.read { try Outbox.next(10, in: $0) }.map(\.eventType) == ["type-1", "type-3", "type-4"])
        // A row the broker refused for good is kept aside, out of the relay's way.
        let refused = read[3].sequence
        try await database.transaction { try Outbox.setAside(refused, error: "too large", in: $0) }
        #expect(try await database.read { try Outbox.next(10, in: $0) }.map(\.eventType) == ["type-1", "type-4"])
        let aside = try await database.read {
            try $0.query("SELECT event_type, error FROM outbox_failed WHERE seq = ?", [.integer(refused)]).first
        }
        #expect(aside == [.text("type-3"), .text("too large")])
        #expect(try await database.sizeInBytes() > 0)
        await database.close()
    }

    @Test func sqliteStateSurvivesReopening() async throws {
        let path = Paths.scratch("reopen").appendingPathComponent("state.sqlite").path
        let first = try SQLiteDatabase(path: path)
        try await Migrations.apply(to: first, migrations: Migrations.shared + [Store.things])
        _ = try await first.transaction {
            try $0.insert(into: "things", thingColumns, rows: [[.text("kept"), .integer(7), .null]])
        }
        await first.close()
        let second = try SQLiteDatabase(path: path)
        #expect(try await Migrations.apply(to: second, migrations: Migrations.shared + [Store.things]) == [])
        let count = try await second.read {
            try $0.query("SELECT count FROM things WHERE name = 'kept'").first?.first?.integer
        }
        #expect(count == 7)
        await second.close()
    }

    /// A new file gets large pages, and the write-ahead log, checkpointed by bytes whatever the page
    /// size, stays bounded while far more than its limit is written through it.
    @Test func sqliteCommitsAreDurableBeforeTheyAreConfirmed() async throws {
        let database = try SQLiteDatabase(path: Paths.scratch("storage").appendingPathComponent("sync.sqlite").path)
        try await Migrations.apply(to: database, migrations: Migrations.shared + [Store.things])
        let insert = { (name: String) in
            { @Sendable (session: any SQLSession) throws in
                try session.insert(into: "things", thingColumns, rows: [[.text(name), .integer(1), .null]])
            }
        }
        #expect(
            try await database.read { try $0.query("PRAGMA synchronous").first?.first?.integer } == 1,
            "NORMAL: commits do not wait for the disk")
        #expect(database.syncer.unsynced == 0, "a plain transaction returns durable")
        // Two commits before either is confirmed: one flush covers both.
        let (_, first) = try await database.transactionDurableLater(insert("a"))
        let (_, second) = try await database.transactionDurableLater(insert("b"))
        #expect(database.syncer.unsynced == 2)
        try await first()
        #expect(database.syncer.unsynced == 0)
        try await second()
        _ = try await database.transaction(insert("c"))
        #expect(database.syncer.unsynced == 0)
        let (_, nothing) = try await database.transactionDurableLater { try $0.query("SELECT COUNT(*) FROM things") }
        #expect(database.syncer.unsynced == 0, "a transaction that changed nothing has nothing to flush")
        try await nothing()
        await database.close()
    }

    @Test func sqliteUsesLargePagesAndKeepsTheLogBounded() async throws {
        let path = Paths.scratch("wal").appendingPathComponent("log.sqlite").path
        let database = try SQLiteDatabase(path: path)
        #expect(
            try await database.read { try $0.query("PRAGMA page_size").first?.first?.integer }
                == Int64(SQLiteDatabase.pageSize))
        _ = try await database.transaction {
            try $0.query("CREATE TABLE blobs (id INTEGER PRIMARY KEY, data BLOB NOT NULL)")
        }
        let megabyte = [UInt8](repeating: 7, count: 1 << 20)
        var largest: Int64 = 0
        for _ in 0..<96 {
            _ = try await database.transaction {
                try $0.query("INSERT INTO blobs (data) VALUES (?)", [.blob(megabyte)])
            }
            let log = (try? FileManager.default.attributesOfItem(atPath: path + "-wal"))?[.size] as? Int64 ?? 0
            largest = max(largest, log)
        }
        #expect(largest > 0)
        #expect(largest < 40 << 20, "the log grew to \(largest) bytes for 96 MiB written")
        #expect(try await database.read { try $0.query("SELECT COUNT(*) FROM blobs").first?.first?.integer } == 96)
        await database.close()
    }

    /// Two processes' worth of connections write one new row and record the same event ids
    /// concurrently, without any global lock: increments all land, and each id is new exactly once.
    @Test func postgresConnectionsShareRowsWithoutLosingWrites() async throws {
        let url = try LocalPostgres.createDatabase("locking")
        let a = try PostgresDatabase(url: url, logger: Logger(label: "a"))
        let b = try PostgresDatabase(url: url, logger: Logger(label: "b"))
        try await Migrations.apply(to: a, migrations: Migrations.shared + [Store.things])
        let firsts = try await withThrowingTaskGroup(of: Int.self) { group in
            for database in [a, b] {
                group.addTask {
                    var firsts = 0
                    for index in 0..<40 {
                        firsts += try await database.transaction { session in
                            let fresh = try AppliedEvents.record(
                                [.init(source: "/s", id: "e\(index)")], at: 1, in: session)
                            try session.insert(
                                into: "things", thingColumns, rows: [[.text("shared"), .integer(1), .null]], addCounts)
                            return fresh.filter { $0 }.count
                        }
                    }
                    return firsts
                }
            }
            return try await group.reduce(0, +)
        }
        #expect(firsts == 40)
        let final = try await a.read {
            try $0.query("SELECT count FROM things WHERE name = 'shared'").first?.first?.integer
        }
        #expect(final == 80)
        await a.close()
        await b.close()
    }

    @Test func badPostgresURLsAreRefused() {
        #expect(throws: StorageError.self) { try PostgresDatabase(url: "mysql://x@y/z", logger: Logger(label: "t")) }
        #expect(throws: StorageError.self) {
            try PostgresDatabase(url: "postgres://x@localhost", logger: Logger(label: "t"))
        }
    }
}
