import Finance
import TriadEvents
import TriadStorage

/// `fin_quarters`: what approvals reserved from each quarter's envelope, what completions gave back,
/// and the change count marketing orders envelope reports by; a plan or a completion locks only its
/// quarter's row.
public enum QuartersTable {
    static let table = Table(
        "fin_quarters",
        [.text("quarter"), .integer("reserved_minor"), .integer("released_minor"), .integer("revision")])

    private static let quarter = table.field("quarter"), reserved = table.field("reserved_minor")
    private static let released = table.field("released_minor"), revision = table.field("revision")

    /// The envelope state: every quarter with reservations, or the ones asked for.
    public static func state(quarters: [Quarter]?, in session: any SQLSession) throws -> FinanceState {
        let rows = try quarters.map { try table.rows($0.map(\.description), in: session) } ?? table.all(in: session)
        return FinanceState(accounts: [], quarters: books(rows), countedOrders: [])
    }

    /// The books of `quarters`, locked, created where missing (`Table.lockOrCreate`).
    static func lockOrCreate(_ quarters: Set<Quarter>, in session: any SQLSession) throws
        -> (books: [Quarter: QuarterBook], created: Set<UTF8Key>)
    {
        let (rows, created) = try table.lockOrCreate(quarters.map(\.description).sorted(), in: session)
        return (books(rows), created)
    }

    static func save(_ state: FinanceState, in session: any SQLSession) throws {
        try table.insert(
            state.changedQuarters.sorted().map { quarter in
                let book = state.book(of: quarter)
                return [
                    .text(quarter.description), .integer(book.reservedMinor), .integer(book.releasedMinor),
                    .integer(book.revision),
                ]
            }, onConflict: .replace, in: session)
    }

    static func delete(_ quarters: Set<UTF8Key>, in session: any SQLSession) throws {
        try table.delete(quarters.sorted().map(\.string), in: session)
    }

    private static func books(_ rows: [SQLRow]) -> [Quarter: QuarterBook] {
        var books: [Quarter: QuarterBook] = [:]
        for row in rows {
            guard let text = row.text(Self.quarter), let quarter = Quarter(text) else { continue }
            books[quarter] = QuarterBook(
                reservedMinor: row.integer(Self.reserved) ?? 0, releasedMinor: row.integer(Self.released) ?? 0,
                revision: row.integer(Self.revision) ?? 0)
        }
        return books
    }
}
