import Analytics
import Foundation
import Synchronization
import TriadEvents
import TriadStorage

/// `it_touches`: clicks and visits that carried a campaign, kept for two attribution windows behind
/// the oldest partition clock (so a purchase up to one window late still finds its touches).
public enum TouchesTable {
    static let table = Table(
        "it_touches", key: 3, [.text("customer_id"), .integer("at"), .integer("seq"), .text("campaign_id")])

    /// What a touch reads as.
    private static let touch = table.only("at", "campaign_id")
    private static let at = touch.field("at"), campaignId = touch.field("campaign_id")

    /// For each purchase without its own campaign, the latest stored touch of its customer at or
    /// before it and inside the window.
    static func forPurchases(_ purchases: [CustomerInteraction], window: Int64, in session: any SQLSession) throws
        -> [UTF8Key: [Touch]]
    {
        var found: [UTF8Key: [Touch]] = [:]
        let rows = try session.query(
            "SELECT \(touch.list) FROM it_touches WHERE customer_id = ? AND at <= ? AND at >= ? ORDER BY at DESC, seq DESC LIMIT 1",
            forEach: purchases.map { purchase in
                let at = purchase.occurredAt.millisecondsSinceEpoch
                return [.text(purchase.customerId), .integer(at), .integer(at - window)]
            })
        for (index, row) in rows {
            guard let touch = touch(row) else { continue }
            let customer = purchases[index].customerId.utf8Key
            if !(found[customer]?.contains(touch) ?? false) { found[customer, default: []].append(touch) }
        }
        return found
    }

    static func save(_ touches: [(customerId: String, touch: Touch)], in session: any SQLSession) throws {
        let base = sequence(reserving: touches.count)
        try table.insert(
            touches.enumerated().map { index, touch in
                [
                    .text(touch.customerId), .integer(touch.touch.at.millisecondsSinceEpoch),
                    .integer(base + Int64(index)),
                    .text(touch.touch.campaignId),
                ]
            }, in: session)
    }

    /// A customer's most recent touches, newest first.
    public static func recent(of customerId: String, limit: Int, in session: any SQLSession) throws -> [Touch] {
        try session.query(
            "SELECT \(touch.list) FROM it_touches WHERE customer_id = ? ORDER BY at DESC, seq DESC LIMIT ?",
            [.text(customerId), .integer(Int64(limit))]
        ).compactMap(touch)
    }

    private static func touch(_ row: SQLRow) -> Touch? {
        guard let at = row.integer(Self.at), let campaignId = row.text(Self.campaignId) else { return nil }
        return Touch(at: Timestamp(millisecondsSinceEpoch: at), campaignId: campaignId)
    }

    // MARK: Pruning

    /// What prunes touches (see `prune`): they are kept about two attribution windows.
    public static func sweep(window: Int64) -> AgeSweep {
        AgeSweep(table: table.name, key: ["customer_id", "at", "seq"], age: "at", lifetime: .milliseconds(2 * window))
    }

    /// Drops touches that no purchase can use any more: older than two attribution windows behind
    /// the oldest partition clock (one stretch of the table a round).
    public static func prune(window: Int64, sweep: AgeSweep, in session: any SQLSession) throws -> [String: Int] {
        guard let oldest = try PartitionClocksTable.oldest(in: session) else { return [:] }
        return [table.name: try sweep.sweep(olderThan: oldest - 2 * window, in: session)]
    }

    // MARK: Arrival order

    /// Arrival order of touches: increasing within the process and across restarts (it starts from
    /// the wall clock in milliseconds times 2^20), so of two touches at one instant the later wins.
    private static let lastSequence = Mutex<Int64>(0)

    private static func sequence(reserving count: Int) -> Int64 {
        lastSequence.withLock { last in
            let start = max(last + 1, Int64(Date().timeIntervalSince1970 * 1000) << 20)
            last = start + Int64(count)
            return start
        }
    }
}
