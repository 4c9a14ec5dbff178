import TriadEvents
import TriadStorage

/// `fin_attributed_orders`: the orders whose conversion finance has counted.
enum AttributedOrdersTable {
    static let table = Table("fin_attributed_orders", [.text("order_id")])

    /// Records `orderIds` (distinct) and returns those recorded before.
    static func recordNew(_ orderIds: [String], in session: any SQLSession) throws -> Set<UTF8Key> {
        let inserted = try table.insertNew(orderIds.map { [.text($0)] }, in: session)
        return Set(zip(orderIds, inserted).compactMap { $1 ? nil : $0.utf8Key })
    }
}
