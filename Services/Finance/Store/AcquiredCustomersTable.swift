import TriadEvents
import TriadStorage

/// `fin_acquired_customers`: the customers finance has counted as acquired (once each, whichever
/// instance or replay brings their event again).
enum AcquiredCustomersTable {
    static let table = Table("fin_acquired_customers", [.text("customer_id")])

    /// Records `customerIds` (distinct) and returns those recorded before.
    static func recordNew(_ customerIds: [String], in session: any SQLSession) throws -> Set<UTF8Key> {
        let inserted = try table.insertNew(customerIds.map { [.text($0)] }, in: session)
        return Set(zip(customerIds, inserted).compactMap { $1 ? nil : $0.utf8Key })
    }
}
