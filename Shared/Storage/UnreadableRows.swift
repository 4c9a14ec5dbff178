import TriadEvents

/// The rows a batch loaded that did not read back, by key, with why: only the events that need one
/// are refused (`unreadableState`), not the batch.
public struct UnreadableRows: Sendable {
    public private(set) var problems: [UTF8Key: String] = [:]

    public init() {}

    /// `rows` of `table` read with `read`; a row that does not read back is kept here instead, by its
    /// first key column.
    public mutating func read<Value>(_ rows: [SQLRow], of table: Table, with read: (SQLRow) throws -> Value)
        -> [Value]
    {
        let key = table.field(table.columns[0].name)
        var values: [Value] = []
        for row in rows {
            do {
                values.append(try read(row))
            } catch {
                problems[(row.text(key) ?? "").utf8Key] = "\(error)"
            }
        }
        return values
    }

    /// Each event applied with `apply`, but one whose subject's row is here: refused, naming `field`
    /// and the row (`row(subject)`, as in "finance's stored account of c-1").
    public func apply(
        _ events: [IncomingEvent], field: String, row: (String) -> String,
        _ apply: (IncomingEvent) throws(EventRejection) -> [DomainEvent]
    ) -> [Result<[DomainEvent], EventRejection>] {
        events.map { event in
            Result { () throws(EventRejection) in
                let subject = event.event.payload.subject
                if let problem = problems[subject.utf8Key] {
                    throw EventRejection(.unreadableState, field: field, "\(row(subject)) cannot be read: \(problem)")
                }
                return try apply(event)
            }
        }
    }
}
