import Foundation

/// A column of a multi-row write.
public struct Column: Sendable {
    public enum Kind: Sendable {
        case text, integer, blob

        var postgresArray: String {
            switch self {
            case .text: "text[]"
            case .integer: "bigint[]"
            case .blob: "bytea[]"
            }
        }
    }

    public let name: String
    public let kind: Kind
    public let nullable: Bool

    public static func text(_ name: String, nullable: Bool = false) -> Column {
        Column(name: name, kind: .text, nullable: nullable)
    }
    public static func integer(_ name: String, nullable: Bool = false) -> Column {
        Column(name: name, kind: .integer, nullable: nullable)
    }
    public static func blob(_ name: String, nullable: Bool = false) -> Column {
        Column(name: name, kind: .blob, nullable: nullable)
    }
}

extension SQLSession {
    /// Inserts `rows` into `table`: on PostgreSQL with one statement whatever the count (each column
    /// bound as an array and unnested, in row order); on SQLite with one cached statement run per row.
    /// `suffix` follows the rows: `ON CONFLICT …`, `RETURNING …` (rows returned are concatenated);
    /// `suffixArguments` bind its placeholders. Rows must be unique on a conflict target that updates.
    @discardableResult
    public func insert(
        into table: String, _ columns: [Column], rows: [[SQLValue]], _ suffix: String = "",
        suffixArguments: [SQLValue] = []
    ) throws -> [SQLRow] {
        guard !rows.isEmpty else { return [] }
        let names = columns.map(\.name).joined(separator: ", ")
        switch dialect {
        case .sqlite:
            let placeholders = Array(repeating: "?", count: columns.count).joined(separator: ", ")
            let sql = "INSERT INTO \(table) (\(names)) VALUES (\(placeholders)) \(suffix)"
            let bound = suffixArguments.isEmpty ? rows : rows.map { $0 + suffixArguments }
            if let repeated = self as? any RepeatedStatement { return try repeated.query(sql, repeatingFor: bound) }
            var returned: [SQLRow] = []
            for row in bound { returned += try query(sql, row) }
            return returned
        case .postgres:
            var arrays: [String] = []
            var aliases: [String] = []
            var selected: [String] = []
            var arguments: [SQLValue] = []
            for (index, column) in columns.enumerated() {
                let values = rows.map { $0[index] }
                arrays.append("?::\(column.kind.postgresArray)")
                aliases.append("c\(index)")
                arguments.append(try Self.array(values, of: column))
                if column.nullable {
                    arrays.append("?::boolean[]")
                    aliases.append("n\(index)")
                    arguments.append(.booleans(values.map { $0 == .null }))
                    selected.append("CASE WHEN n\(index) THEN NULL ELSE c\(index) END")
                } else {
                    selected.append("c\(index)")
                }
            }
            let sql = """
                INSERT INTO \(table) (\(names)) SELECT \(selected.joined(separator: ", ")) \
                FROM unnest(\(arrays.joined(separator: ", "))) AS u(\(aliases.joined(separator: ", "))) \(suffix)
                """
            return try query(sql, arguments + suffixArguments)
        }
    }

    /// Inserts the rows not there yet (by `key`, the table's unique columns, first among
    /// `columns`) and tells which were inserted, in row order. Concurrent transactions inserting the
    /// same key wait for each other, so exactly one of them inserts it. On PostgreSQL rows must be
    /// unique by key; on SQLite, where rows go in one by one, a repeated key is inserted at its first row.
    public func insertNew(into table: String, _ columns: [Column], rows: [[SQLValue]], key: Int) throws -> [Bool] {
        guard !rows.isEmpty else { return [] }
        let keyNames = columns.prefix(key).map(\.name).joined(separator: ", ")
        switch dialect {
        case .sqlite:
            let names = columns.map(\.name).joined(separator: ", ")
            let placeholders = Array(repeating: "?", count: columns.count).joined(separator: ", ")
            let sql = "INSERT INTO \(table) (\(names)) VALUES (\(placeholders)) ON CONFLICT (\(keyNames)) DO NOTHING"
            return try run(sql, forEach: rows).map { $0 > 0 }
        case .postgres:
            // Usually every key is new. A plain insert then descends each index once, where
            // ON CONFLICT first probes for the key and then inserts speculatively: about half the
            // server's work. A key already there (or inserted meanwhile by a transaction that then
            // committed) fails the statement; only then does the savepoint undo it for ON CONFLICT.
            try query("SAVEPOINT insert_new")
            do {
                try insert(into: table, columns, rows: rows)
                try query("RELEASE SAVEPOINT insert_new")
                return Array(repeating: true, count: rows.count)
            } catch is UniqueViolation {
                try query("ROLLBACK TO SAVEPOINT insert_new")
                try query("RELEASE SAVEPOINT insert_new")
            }
            let inserted = Set(
                try insert(
                    into: table, columns, rows: rows, "ON CONFLICT (\(keyNames)) DO NOTHING RETURNING \(keyNames)"))
            return rows.map { inserted.contains(Array($0.prefix(key))) }
        }
    }

    /// Runs `sql` once for each row of `arguments`, and tells how many rows each run changed. On
    /// SQLite that is one cached statement; on PostgreSQL every run is a round trip.
    @discardableResult
    public func run(_ sql: String, forEach arguments: [[SQLValue]]) throws -> [Int] {
        guard !arguments.isEmpty else { return [] }
        if let repeated = self as? any RepeatedStatement { return try repeated.changes(sql, repeatingFor: arguments) }
        return try arguments.map { try query(sql + " RETURNING 1", $0).count }
    }

    /// Runs `sql` for a set of keys: its `{keys}` becomes `= ANY(?)` bound to the keys as one array on
    /// PostgreSQL, and `= ?` run once per key on SQLite (a cached statement). Rows are concatenated.
    public func query(_ sql: String, keys: [String]) throws -> [SQLRow] {
        guard !keys.isEmpty else { return [] }
        switch dialect {
        case .sqlite:
            let statement = sql.replacingOccurrences(of: "{keys}", with: "= ?")
            if let repeated = self as? any RepeatedStatement {
                return try repeated.query(statement, repeatingFor: keys.map { [.text($0)] })
            }
            var rows: [SQLRow] = []
            for key in keys { rows += try query(statement, [.text(key)]) }
            return rows
        case .postgres:
            return try query(sql.replacingOccurrences(of: "{keys}", with: "= ANY(?::text[])"), [.texts(keys)])
        }
    }

    private static func array(_ values: [SQLValue], of column: Column) throws -> SQLValue {
        switch column.kind {
        case .text:
            return .texts(
                try values.map { value in
                    if value == .null, column.nullable { return "" }
                    guard let text = value.text else {
                        throw StorageError("column \(column.name) needs text, got \(value)")
                    }
                    return text
                })
        case .integer:
            return .integers(
                try values.map { value in
                    if value == .null, column.nullable { return 0 }
                    guard case .integer(let number) = value else {
                        throw StorageError("column \(column.name) needs an integer, got \(value)")
                    }
                    return number
                })
        case .blob:
            return .blobs(
                try values.map { value in
                    if value == .null, column.nullable { return [] }
                    guard let bytes = value.bytes else {
                        throw StorageError("column \(column.name) needs bytes, got \(value)")
                    }
                    return bytes
                })
        }
    }
}
