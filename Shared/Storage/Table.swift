import TriadEvents

/// A table's columns, named once: the SELECT, INSERT and ON CONFLICT lists derive from them, and a
/// row is read by column name (`Field`, resolved when the table is declared, not per row).
public struct Table: Sendable {
    public let name: String
    /// The columns, primary key first.
    public let columns: [Column]
    /// How many leading columns make the primary key.
    public let keyCount: Int
    /// The columns an index holds besides the key (see `writeBack`).
    public let indexed: [String]
    /// The columns as a select list: `a, b, c`.
    public let list: String
    /// The primary key's columns: `a, b`.
    public let keyList: String
    let replacing: String
    let adding: String
    let indexedPositions: [Int]
    let narrowUpdate: String

    public init(_ name: String, key: Int = 1, _ columns: [Column], indexed: [String] = []) {
        precondition(key >= 1 && key <= columns.count, "\(name): the key is among the columns")
        self.name = name
        self.columns = columns
        keyCount = key
        self.indexed = indexed
        list = columns.map(\.name).joined(separator: ", ")
        keyList = columns.prefix(key).map(\.name).joined(separator: ", ")
        let others = columns.dropFirst(key).map(\.name)
        replacing = others.map { "\($0) = excluded.\($0)" }.joined(separator: ", ")
        adding = others.map { "\($0) = \(name).\($0) + excluded.\($0)" }.joined(separator: ", ")
        let position = { (column: String) -> Int in
            guard let index = columns.firstIndex(where: { $0.name == column }) else {
                preconditionFailure("\(name) has no column \(column)")
            }
            return index
        }
        indexedPositions = indexed.map(position)
        // SQLite: an UPDATE of the columns neither key nor indexed, bound to a whole row (`?N` is column N).
        let set = columns.dropFirst(key).filter { !indexed.contains($0.name) }.map {
            "\($0.name) = ?\(position($0.name) + 1)"
        }
        let match = columns.prefix(key).map { "\($0.name) = ?\(position($0.name) + 1)" }
        narrowUpdate = "UPDATE \(name) SET \(set.joined(separator: ", ")) WHERE \(match.joined(separator: " AND "))"
    }

    /// The same table read through some of its columns, in this order.
    public func only(_ names: String...) -> Table {
        Table(name, key: 1, names.map { name in columns[field(name).index] })
    }

    /// Where `column` is in a row read with `list`.
    public func field(_ column: String) -> Field {
        guard let index = columns.firstIndex(where: { $0.name == column }) else {
            preconditionFailure("\(name) has no column \(column)")
        }
        return Field(name: column, index: index)
    }

    /// `SELECT list FROM name`.
    public var select: String { "SELECT \(list) FROM \(name)" }

    // MARK: Reads

    /// Every row, in key order.
    public func all(in session: any SQLSession) throws -> [SQLRow] {
        try session.query("\(select) ORDER BY \(keyList)")
    }

    /// Every row read with `read`, by its first key column's bytes (`read` is given that column's
    /// text); a row `read` gives nil for is left out.
    public func allByKey<Value>(in session: any SQLSession, _ read: (_ key: String, _ row: SQLRow) -> Value?) throws
        -> [UTF8Key: Value]
    {
        let key = field(columns[0].name)
        var values: [UTF8Key: Value] = [:]
        for row in try session.query(select) {
            guard let id = row.text(key), let value = read(id, row) else { continue }
            values[id.utf8Key] = value
        }
        return values
    }

    /// The rows whose first key column is one of `keys`. `locking`: the rows stay locked until the
    /// transaction ends where instances share the database (PostgreSQL, taken in key order: one
    /// lock order for every instance); SQLite's writer holds the whole file anyway.
    public func rows(_ keys: [String], locking: Bool = false, in session: any SQLSession) throws -> [SQLRow] {
        let key = columns[0].name
        let lock = locking && session.dialect == .postgres ? " ORDER BY \(key) FOR UPDATE" : ""
        return try session.query("\(select) WHERE \(key) {keys}\(lock)", keys: keys)
    }

    /// The rows of `keys` (a one-column text key), locked where instances share the database, the
    /// missing ones created there with their defaults so that a key nobody has yet is locked too;
    /// and the keys created that way (see `delete`). On SQLite missing rows stay missing. Keys go
    /// in as given: sort them for one lock order.
    public func lockOrCreate(_ keys: [String], in session: any SQLSession) throws -> (
        rows: [SQLRow], created: Set<UTF8Key>
    ) {
        switch session.dialect {
        case .sqlite:
            return (try rows(keys, in: session), [])
        case .postgres:
            let key = columns[0].name
            let rows = try session.insert(
                into: name, [columns[0]], rows: keys.map { [.text($0)] },
                "ON CONFLICT (\(key)) DO UPDATE SET \(key) = excluded.\(key) RETURNING \(list), (xmax = 0)")
            var created: Set<UTF8Key> = []
            var found: [SQLRow] = []
            found.reserveCapacity(rows.count)
            for var row in rows {
                if row.removeLast().integer == 1, let id = row.first?.text { created.insert(id.utf8Key) }
                found.append(row)
            }
            return (found, created)
        }
    }

    /// Deletes the rows whose first key column is one of `keys`.
    public func delete(_ keys: [String], in session: any SQLSession) throws {
        _ = try session.query("DELETE FROM \(name) WHERE \(columns[0].name) {keys}", keys: keys)
    }

    /// For each of `cutoffs` (one argument per `?` of `condition`), the rows for which `condition`
    /// holds, locked where instances share the database; rows another transaction holds there are
    /// skipped (left for a later batch). PostgreSQL joins the tuples as arrays in one statement
    /// (rows in key order); SQLite runs one cached statement per tuple.
    public func rowsSkippingLocked(where condition: String, forEach arguments: [[SQLValue]], in session: any SQLSession)
        throws -> [SQLRow]
    {
        guard let first = arguments.first else { return [] }
        switch session.dialect {
        case .sqlite:
            let sql = "\(select) WHERE \(condition)"
            var rows: [SQLRow] = []
            for tuple in arguments { rows += try session.query(sql, tuple) }
            return rows
        case .postgres:
            let (unnest, bound) = try SQLValue.unnest(arguments, width: first.count)
            return try session.query(
                """
                \(select) JOIN \(unnest) ON \(SQLValue.tupleColumns(in: condition)) \
                ORDER BY \(keyList) FOR UPDATE OF \(name) SKIP LOCKED
                """, bound)
        }
    }

    // MARK: Writes

    /// What a write does to a row whose key is already there.
    public enum Conflict: Sendable {
        /// Fail the statement (a unique violation).
        case fail
        /// Set the other columns to the new values.
        case replace
        /// Set the other columns to the new values where `condition` holds (`excluded.x` is the new row).
        case replaceWhere(String)
        /// Add the new values to the other columns (counters written as increments).
        case add
    }

    func suffix(_ conflict: Conflict) -> String {
        switch conflict {
        case .fail: ""
        case .replace: "ON CONFLICT (\(keyList)) DO UPDATE SET \(replacing)"
        case .replaceWhere(let condition): "ON CONFLICT (\(keyList)) DO UPDATE SET \(replacing) WHERE \(condition)"
        case .add: "ON CONFLICT (\(keyList)) DO UPDATE SET \(adding)"
        }
    }

    /// Writes `rows` (values in column order) in one multi-row insert (`SQLSession.insert`).
    public func insert(_ rows: [[SQLValue]], onConflict: Conflict = .fail, in session: any SQLSession) throws {
        try session.insert(into: name, columns, rows: rows, suffix(onConflict))
    }

    /// Inserts the rows whose key is not there yet and tells which were inserted, in row order
    /// (`SQLSession.insertNew`).
    public func insertNew(_ rows: [[SQLValue]], in session: any SQLSession) throws -> [Bool] {
        try session.insertNew(into: name, columns, rows: rows, key: keyCount)
    }

    /// Writes back `rows` (a one-column text key): those of `stored` (rows this transaction read
    /// with `rows(_:locking: true)` or `rowsSkippingLocked`, in column order) are updated, the
    /// others inserted. Where instances share the database (PostgreSQL) rows go in key order (one
    /// lock order), and a row taken as new that another instance created meanwhile is neither
    /// inserted nor overwritten: the write throws `WriteConflict` and the batch runs again. SQLite
    /// rewrites the entries of every index whose column an UPDATE sets, even to the same value, so
    /// there a stored row whose `indexed` columns keep their bytes is updated in its other columns only.
    public func writeBack(_ rows: [[SQLValue]], stored: [SQLRow], in session: any SQLSession) throws {
        switch session.dialect {
        case .sqlite:
            var before: [UTF8Key: Int] = [:]
            before.reserveCapacity(stored.count)
            for (index, row) in stored.enumerated() { before[(row[0].text ?? "").utf8Key] = index }
            var narrow: [[SQLValue]] = []
            var full: [[SQLValue]] = []
            full.reserveCapacity(rows.count)
            let positions = indexedPositions
            for row in rows {
                if let index = before[(row[0].text ?? "").utf8Key],
                    positions.allSatisfy({ row[$0].sameBytes(stored[index][$0]) })
                {
                    narrow.append(row)
                } else {
                    full.append(row)
                }
            }
            try session.run(narrowUpdate, forEach: narrow)
            try session.insert(into: name, columns, rows: full, suffix(.replace))
        case .postgres:
            let sorted = rows.sorted { $0[0].precedesInByteOrder($1[0]) }
            let written = try session.insert(
                into: name, columns, rows: sorted,
                "\(suffix(.replace)) WHERE \(name).\(columns[0].name) = ANY(?::text[]) RETURNING 1",
                suffixArguments: [.texts(stored.map { $0[0].text ?? "" })])
            if written.count != rows.count {
                throw WriteConflict(
                    "\(rows.count - written.count) new row(s) of \(name) were created meanwhile by another instance")
            }
        }
    }
}

/// A column's place in the rows of a `Table`'s select list, found by name once.
public struct Field: Sendable {
    public let name: String
    public let index: Int
}

extension [SQLValue] {
    public func value(_ field: Field) -> SQLValue { self[field.index] }
    public func text(_ field: Field) -> String? { self[field.index].text }
    public func integer(_ field: Field) -> Int64? { self[field.index].integer }
}

extension SQLValue {
    /// Equal as stored: text by its bytes (Swift's `==` on text is Unicode equivalence).
    func sameBytes(_ other: SQLValue) -> Bool {
        if case .text(let a) = self, case .text(let b) = other { return a.utf8Key == b.utf8Key }
        return self == other
    }

    /// Byte order of text, as the stores sort keys.
    func precedesInByteOrder(_ other: SQLValue) -> Bool {
        (text ?? "").utf8.lexicographicallyPrecedes((other.text ?? "").utf8)
    }

    /// PostgreSQL: `unnest(?::t1[], …) WITH ORDINALITY AS u(a1, …, i)` over tuples of one width, each
    /// position bound as one array (its type from the first tuple), and those arrays.
    static func unnest(_ tuples: [[SQLValue]], width: Int) throws -> (sql: String, arguments: [SQLValue]) {
        var arrays: [String] = []
        var arguments: [SQLValue] = []
        for position in 0..<width {
            switch tuples[0][position] {
            case .integer:
                arrays.append("?::bigint[]")
                arguments.append(.integers(tuples.map { $0[position].integer ?? 0 }))
            case .text:
                arrays.append("?::text[]")
                arguments.append(.texts(tuples.map { $0[position].text ?? "" }))
            default: throw StorageError("a tuple binds integers and text only, got \(tuples[0][position])")
            }
        }
        let names = (1...width).map { "a\($0)" } + ["i"]
        return (
            "unnest(\(arrays.joined(separator: ", "))) WITH ORDINALITY AS u(\(names.joined(separator: ", ")))",
            arguments
        )
    }

    /// `sql` with its `?` placeholders, in order, naming the columns of `unnest`'s tuple (`u.a1`, …).
    static func tupleColumns(in sql: String) -> String {
        var position = 0
        var result = ""
        for character in sql {
            if character == "?" {
                position += 1
                result += "u.a\(position)"
            } else {
                result.append(character)
            }
        }
        return result
    }
}

extension SQLSession {
    /// For each tuple of `arguments` (one value per `?` of `sql`), the rows of `sql`, each with its
    /// tuple's index. PostgreSQL runs one statement for every tuple (`LATERAL`, each position bound
    /// as one array); SQLite one cached statement per tuple.
    public func query(_ sql: String, forEach arguments: [[SQLValue]]) throws -> [(tuple: Int, row: SQLRow)] {
        guard let first = arguments.first else { return [] }
        switch dialect {
        case .sqlite:
            var rows: [(tuple: Int, row: SQLRow)] = []
            for (index, tuple) in arguments.enumerated() {
                for row in try query(sql, tuple) { rows.append((index, row)) }
            }
            return rows
        case .postgres:
            let (unnest, bound) = try SQLValue.unnest(arguments, width: first.count)
            let rows = try query(
                "SELECT t.*, u.i - 1 FROM \(unnest) CROSS JOIN LATERAL (\(SQLValue.tupleColumns(in: sql))) t", bound)
            return rows.map { row in (Int(row.last?.integer ?? 0), Array(row.dropLast())) }
        }
    }
}
