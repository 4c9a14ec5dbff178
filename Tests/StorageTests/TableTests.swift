import Foundation
import TestSupport
import Testing
import TriadEvents

@testable import TriadStorage

/// `Table`'s primitives, which stand in for what differs between the stores: the same answers on
/// both, and where they differ by design (rows created to be locked, a write conflict), each store's.
@Suite struct TableTests {
    static let schema = Migrations.Migration(
        version: 901,
        [
            .keyedTable(
                "CREATE TABLE people (id TEXT PRIMARY KEY, team TEXT NOT NULL DEFAULT 'none', score BIGINT NOT NULL DEFAULT 0, note TEXT)"
            ),
            "CREATE INDEX people_team ON people (team)",
            .fillFactor(table: "people", percent: 70),
            "CREATE TABLE tallies (team TEXT NOT NULL, day BIGINT NOT NULL, count BIGINT NOT NULL, PRIMARY KEY (team, day))",
        ])

    static let people = Table(
        "people", [.text("id"), .text("team"), .integer("score"), .text("note", nullable: true)], indexed: ["team"])
    static let tallies = Table("tallies", key: 2, [.text("team"), .integer("day"), .integer("count")])

    /// The test tables on `store`, holding `people`.
    func open(_ store: Store, people: [[SQLValue]] = []) async throws -> any Database {
        let database = try await store.open("tables", migrations: Migrations.shared + [Self.schema])
        if !people.isEmpty { try await database.transaction { try Self.people.insert(people, in: $0) } }
        return database
    }

    func person(_ id: String, _ team: String, _ score: Int64, _ note: String? = nil) -> [SQLValue] {
        [.text(id), .text(team), .integer(score), SQLValue(note)]
    }

    @Test(arguments: Store.allCases)
    func lockOrCreateCreatesMissingRowsOnlyWhereInstancesShareTheDatabase(_ store: Store) async throws {
        let database = try await open(store, people: [person("a", "x", 1)])
        let (rows, created) = try await database.transaction { session in
            let found = try Self.people.lockOrCreate(["a", "b"], in: session)
            try Self.people.delete(found.created.map(\.string), in: session)
            return found
        }
        switch store {
        case .sqlite:
            #expect(rows == [person("a", "x", 1)])
            #expect(created.isEmpty)
        case .postgres:
            #expect(Set(rows) == [person("a", "x", 1), person("b", "none", 0)])
            #expect(created == ["b"])
        }
        #expect(try await database.read { try Self.people.all(in: $0) } == [person("a", "x", 1)])
        await database.close()
    }

    @Test(arguments: Store.allCases)
    func writeBackUpdatesStoredRowsAndInsertsNewOnes(_ store: Store) async throws {
        let database = try await open(store, people: [person("a", "x", 1), person("b", "y", 2, "n")])
        try await database.transaction { session in
            let stored = try Self.people.rows(["a", "b"], locking: true, in: session)
            // a keeps its indexed team (SQLite: the narrow update), b changes it, c is new.
            try Self.people.writeBack(
                [person("a", "x", 10, "note"), person("b", "z", 20), person("c", "x", 3)], stored: stored, in: session)
        }
        #expect(
            try await database.read { try Self.people.all(in: $0) }
                == [person("a", "x", 10, "note"), person("b", "z", 20), person("c", "x", 3)])
        await database.close()
    }

    @Test func writeBackRefusesToOverwriteARowCreatedMeanwhileOnPostgres() async throws {
        let database = try await open(.postgres, people: [person("a", "x", 1)])
        // Taken as new (not among the stored rows), but there: another instance created it.
        await #expect(throws: WriteConflict.self) {
            try await database.transaction { try Self.people.writeBack([person("a", "y", 5)], stored: [], in: $0) }
        }
        #expect(try await database.read { try Self.people.all(in: $0) } == [person("a", "x", 1)])
        await database.close()
    }

    @Test(arguments: Store.allCases)
    func conflictRulesReplaceAddAndReplaceOnlyWhereTheConditionHolds(_ store: Store) async throws {
        let database = try await open(store)
        let tallies = Self.tallies
        try await database.transaction { session in
            try tallies.insert([["t", 1, 5], ["t", 2, 1]], onConflict: .add, in: session)
            try tallies.insert([["t", 1, 2]], onConflict: .add, in: session)
            try tallies.insert([["t", 2, 7]], onConflict: .replace, in: session)
            try tallies.insert(
                [["t", 2, 3], ["u", 1, 1]], onConflict: .replaceWhere("excluded.count > tallies.count"), in: session)
        }
        #expect(try await database.read { try tallies.all(in: $0) } == [["t", 1, 7], ["t", 2, 7], ["u", 1, 1]])
        await #expect(throws: (any Error).self) {
            try await database.transaction { try tallies.insert([["t", 1, 1]], in: $0) }
        }
        await database.close()
    }

    @Test(arguments: Store.allCases)
    func tupleQueriesAnswerPerTuple(_ store: Store) async throws {
        let database = try await open(
            store, people: [person("a", "x", 1), person("b", "x", 5), person("c", "y", 7), person("d", "y", 2)])
        let (matching, best) = try await database.transaction { session in
            (
                try Self.people.rowsSkippingLocked(
                    where: "team = ? AND score >= ?", forEach: [["x", 2], ["y", 3]], in: session),
                try session.query(
                    "SELECT id FROM people WHERE team = ? AND score <= ? ORDER BY score DESC LIMIT 1",
                    forEach: [["y", 10], ["x", 0], ["x", 4]])
            )
        }
        #expect(Set(matching) == [person("b", "x", 5), person("c", "y", 7)])
        let ordered = best.sorted { $0.tuple < $1.tuple }
        #expect(ordered.map(\.tuple) == [0, 2])
        #expect(ordered.map(\.row) == [["c"], ["a"]])
        await database.close()
    }

    @Test(arguments: Store.allCases)
    func keysetPagesFollowTheKeyInByteOrder(_ store: Store) async throws {
        let database = try await open(
            store, people: ["b", "a", "é", "Z", "c"].map { person($0, $0 == "c" ? "y" : "x", 1) })
        try await database.transaction { try Self.tallies.insert([["x", 1, 1], ["x", 2, 2], ["y", 1, 4]], in: $0) }
        let first = try await database.read { try $0.page(Self.people.select, key: "id", PageRequest(limit: 2)) }
        let second = try await database.read {
            try $0.page(Self.people.select, key: "id", PageRequest(limit: 2, after: "a"))
        }
        let filtered = try await database.read {
            try $0.page(Self.people.select, where: ["team = ?"], ["x"], key: "id", PageRequest(limit: 10, after: "a"))
        }
        let sums = try await database.read {
            try $0.page(
                "SELECT team, CAST(SUM(count) AS BIGINT) FROM tallies", key: "team", grouped: true,
                PageRequest(limit: 1))
        }
        #expect(first.map { $0.first?.text } == ["Z", "a", "b"], "one past the limit")
        #expect(second.map { $0.first?.text } == ["b", "c", "é"])
        #expect(filtered.map { $0.first?.text } == ["b", "é"])
        #expect(sums == [["x", 3], ["y", 4]])
        await database.close()
    }
}
