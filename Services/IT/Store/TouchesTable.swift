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

    /// What a purchase reads of a touch: its arrival order (`seq`) too.
    private static let stored = table.only("at", "seq", "campaign_id")
    private static let storedAt = stored.field("at"), storedSeq = stored.field("seq")
    private static let storedCampaign = stored.field("campaign_id")

    /// The stored touches the batch's purchases may be credited over (`AttributionRules.touches`):
    /// per customer, in time order (ties in arrival order), holding for every purchase the
    /// `touchLimit` latest at or before it and inside the window. One query for every customer (the
    /// latest touches at or before its latest purchase, back to one window before its earliest); a
    /// purchase those may miss (stored touches between a customer's purchases) is read on its own.
    static func forPurchases(_ purchases: [CustomerInteraction], window: Int64, in session: any SQLSession) throws
        -> [UTF8Key: [Touch]]
    {
        typealias Span = (customerId: String, from: Int64, to: Int64)
        var spans: [UTF8Key: Span] = [:]
        var order: [UTF8Key] = []
        for purchase in purchases {
            let (to, from) = bounds(of: purchase, window: window)
            let customer = purchase.customerId.utf8Key
            if let span = spans[customer] {
                spans[customer] = (span.customerId, min(span.from, from), max(span.to, to))
            } else {
                spans[customer] = (purchase.customerId, from, to)
                order.append(customer)
            }
        }
        let sql = """
            SELECT \(stored.list) FROM it_touches WHERE customer_id = ? AND at <= ? AND at >= ? \
            ORDER BY at DESC, seq DESC LIMIT \(AttributionRules.touchLimit)
            """
        // Newest first, per customer.
        var found: [UTF8Key: [(seq: Int64, touch: Touch)]] = [:]
        let perCustomer = order.map { spans[$0]! }.map { span -> [SQLValue] in
            [.text(span.customerId), .integer(span.to), .integer(span.from)]
        }
        for (index, row) in try session.query(sql, forEach: perCustomer) {
            if let touch = storedTouch(row) { found[order[index], default: []].append(touch) }
        }

        // A purchase before the customer's latest, when stored touches after it took up the limit.
        let missed = purchases.filter { purchase in
            guard let list = found[purchase.customerId.utf8Key], list.count >= AttributionRules.touchLimit else {
                return false
            }
            let (to, from) = bounds(of: purchase, window: window)
            let oldest = list[list.count - 1].touch.at.millisecondsSinceEpoch
            let covered = list.count { $0.touch.at.millisecondsSinceEpoch <= to }
            return oldest >= from && covered < AttributionRules.touchLimit
        }
        var added: [UTF8Key: [(seq: Int64, touch: Touch)]] = [:]
        for (index, row) in try session.query(
            sql,
            forEach: missed.map { purchase in
                let (to, from) = bounds(of: purchase, window: window)
                return [.text(purchase.customerId), .integer(to), .integer(from)]
            })
        {
            if let touch = storedTouch(row) { added[missed[index].customerId.utf8Key, default: []].append(touch) }
        }

        var lists: [UTF8Key: [Touch]] = [:]
        for (customer, list) in found where added[customer] == nil { lists[customer] = list.reversed().map(\.touch) }
        for (customer, more) in added {
            // Read twice: each touch once (by `seq`), in time order, arrival order within an instant.
            var bySeq: [Int64: Touch] = [:]
            for (seq, touch) in (found[customer] ?? []) + more { bySeq[seq] = touch }
            lists[customer] = bySeq.sorted { ($0.value.at, $0.key) < ($1.value.at, $1.key) }.map(\.value)
        }
        return lists
    }

    /// A purchase's bounds of `at`: at or before it, no more than `window` before it.
    private static func bounds(of purchase: CustomerInteraction, window: Int64) -> (to: Int64, from: Int64) {
        let at = purchase.occurredAt
        return (at.millisecondsSinceEpoch, at.adding(milliseconds: -window).millisecondsSinceEpoch)
    }

    private static func storedTouch(_ row: SQLRow) -> (seq: Int64, touch: Touch)? {
        guard let at = row.integer(storedAt), let seq = row.integer(storedSeq),
            let campaignId = row.text(storedCampaign)
        else { return nil }
        return (seq, Touch(at: Timestamp(millisecondsSinceEpoch: at), campaignId: campaignId))
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

    /// The touches at `from` through `to` of the customers after `first` through `last` (in byte order),
    /// each customer's in time order (ties in arrival order): for the data-driven model's journeys.
    static func touches(
        after first: String, through last: String, from: Timestamp, to: Timestamp,
        in session: any SQLSession
    ) throws
        -> [(customerId: String, touch: Touch)]
    {
        let owned = table.only("customer_id", "at", "campaign_id")
        let customer = owned.field("customer_id")
        let at = owned.field("at")
        let campaign = owned.field("campaign_id")
        return try session.query(
            """
            SELECT \(owned.list) FROM it_touches WHERE customer_id > ? AND customer_id <= ? AND at >= ? AND at <= ? \
            ORDER BY customer_id, at, seq
            """,
            [
                .text(first), .text(last), .integer(from.millisecondsSinceEpoch),
                .integer(to.millisecondsSinceEpoch),
            ]
        ).compactMap { row in
            guard let customerId = row.text(customer), let time = row.integer(at), let campaignId = row.text(campaign)
            else { return nil }
            return (customerId, Touch(at: Timestamp(millisecondsSinceEpoch: time), campaignId: campaignId))
        }
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
