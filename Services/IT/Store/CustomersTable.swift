import Analytics
import TriadEvents
import TriadStorage

/// `it_customers`: one row per customer; `due_since` is set while the customer is a buyer not at
/// risk. The inactivity scan finds them by partition and `due_hour` (the hour of `due_since`):
/// keying the index on the hour, not the instant, leaves it unchanged by most of a customer's
/// activity, so on PostgreSQL (with room left on each page) such an update rewrites the row in place
/// without new index entries.
public enum CustomersTable {
    static let table = Table(
        "it_customers",
        [
            .text("customer_id"), .text("segment"), .integer("last_activity_at", nullable: true), .integer("purchases"),
            .integer("at_risk"), .integer("partition_id"), .integer("due_since", nullable: true),
            .integer("due_hour", nullable: true), .text("risk_reason", nullable: true),
        ],
        indexed: ["segment", "at_risk", "partition_id", "due_hour"])

    /// The width of the buckets `due_hour` counts (integer division, as SQL's on integers).
    public static let dueHourMilliseconds: Int64 = 3_600_000

    private static let customerId = table.field("customer_id"), segment = table.field("segment")
    private static let lastActivity = table.field("last_activity_at"), purchases = table.field("purchases")
    private static let atRisk = table.field("at_risk"), partition = table.field("partition_id")
    private static let reason = table.field("risk_reason")

    // MARK: A batch

    /// The rows of `customerIds` (in byte order: one lock order), locked (`Table.rows`). Another
    /// instance given the same customer by another partition waits instead of overwriting;
    /// `writeBack` catches a new customer another instance created meanwhile.
    static func lock(_ customerIds: [String], in session: any SQLSession) throws -> [SQLRow] {
        try table.rows(customerIds, locking: true, in: session)
    }

    /// The customers of each partition due for the inactivity check at its cutoff; those another
    /// instance holds now are left for a later batch (`Table.rowsSkippingLocked`).
    static func due(_ cutoffs: [(partition: Int32, cutoff: Int64)], in session: any SQLSession) throws -> [SQLRow] {
        try table.rowsSkippingLocked(
            where: "partition_id = ? AND due_hour IS NOT NULL AND due_hour <= ? AND due_since <= ?",
            forEach: cutoffs.map {
                [.integer(Int64($0.partition)), .integer($0.cutoff / dueHourMilliseconds), .integer($0.cutoff)]
            },
            in: session)
    }

    /// Writes back the customers that changed over `stored`, the rows the batch read (`Table.writeBack`).
    static func writeBack(_ customers: [CustomerRecord], stored: [SQLRow], in session: any SQLSession) throws {
        try table.writeBack(customers.map(values), stored: stored, in: session)
    }

    // MARK: Reads

    public static func customer(_ customerId: String, in session: any SQLSession) throws -> CustomerRecord? {
        try table.rows([customerId], in: session).first.map(record)
    }

    /// Up to `limit` customer ids after `after`, in byte order: a reading that pages through every customer.
    static func ids(after: String, limit: Int, in session: any SQLSession) throws -> [String] {
        let ids = table.only("customer_id")
        let id = ids.field("customer_id")
        return try session.query(
            "SELECT \(ids.list) FROM it_customers WHERE customer_id > ? ORDER BY customer_id LIMIT ?",
            [.text(after), .integer(Int64(limit))]
        ).compactMap { $0.text(id) }
    }

    /// One page of the customers at churn risk, by id; of one segment when asked.
    public static func atRisk(segment: String?, _ page: PageRequest, in session: any SQLSession) throws
        -> [CustomerRecord]
    {
        try session.page(
            table.select, where: ["at_risk = 1"] + (segment == nil ? [] : ["segment = ?"]),
            segment.map { [.text($0)] } ?? [],
            key: "customer_id", page
        ).map(record)
    }

    // MARK: Rows

    private static func values(_ c: CustomerRecord) -> [SQLValue] {
        let dueSince = c.dueSince?.millisecondsSinceEpoch
        return [
            .text(c.customerId), .text(c.segment), SQLValue(c.lastActivityAt?.millisecondsSinceEpoch),
            .integer(c.purchases), .integer(c.atRisk ? 1 : 0), .integer(Int64(c.partition)), SQLValue(dueSince),
            SQLValue(dueSince.map { $0 / dueHourMilliseconds }), SQLValue(c.riskReason?.rawValue),
        ]
    }

    static func record(_ row: SQLRow) -> CustomerRecord {
        CustomerRecord(
            customerId: row.text(Self.customerId) ?? "",
            segment: row.text(Self.segment) ?? CustomerRecord.unassignedSegment,
            lastActivityAt: row.integer(Self.lastActivity).map(Timestamp.init(millisecondsSinceEpoch:)),
            purchases: row.integer(Self.purchases) ?? 0, atRisk: row.integer(Self.atRisk) == 1,
            riskReason: row.text(Self.reason).flatMap(ChurnRiskReason.init(rawValue:)),
            partition: Int32(truncatingIfNeeded: row.integer(Self.partition) ?? 0))
    }
}
