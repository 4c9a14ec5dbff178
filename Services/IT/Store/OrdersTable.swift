import Analytics
import TriadEvents
import TriadStorage

/// `it_orders`: every order seen once, the campaign it was attributed to (none: organic) and the
/// one it named itself (orders recorded before that was kept read as naming none).
public enum OrdersTable {
    static let table = Table(
        "it_orders",
        [
            .text("order_id"), .text("customer_id"), .text("campaign_id", nullable: true), .integer("revenue_minor"),
            .integer("occurred_at"), .text("named_campaign_id", nullable: true),
        ])

    private static let orderId = table.field("order_id"), customerId = table.field("customer_id")
    private static let campaignId = table.field("campaign_id"), revenue = table.field("revenue_minor")
    private static let occurredAt = table.field("occurred_at"), namedCampaignId = table.field("named_campaign_id")

    /// Which of `orderIds` were seen before.
    static func recorded(_ orderIds: [String], in session: any SQLSession) throws -> Set<UTF8Key> {
        Set(try table.only("order_id").rows(orderIds, in: session).compactMap { $0.text(Self.orderId)?.utf8Key })
    }

    /// Records the batch's new orders, in byte order (one lock order). An order another instance
    /// recorded since the batch read them was counted here as new: the write throws `WriteConflict`,
    /// and the batch runs again and sees it.
    static func recordNew(_ orders: [RecordedOrder], in session: any SQLSession) throws {
        let inserted = try table.insertNew(
            orders.sorted { $0.orderId.utf8Key < $1.orderId.utf8Key }.map { order in
                [
                    .text(order.orderId), .text(order.customerId), SQLValue(order.campaignId),
                    .integer(order.revenueMinor),
                    .integer(order.occurredAt.millisecondsSinceEpoch), SQLValue(order.namedCampaignId),
                ]
            }, in: session)
        if inserted.contains(false) {
            throw WriteConflict(
                "\(inserted.filter { !$0 }.count) order(s) of this batch were recorded by another instance")
        }
    }

    /// The order `orderId`, without its credits (`OrderCreditsTable`); nil when IT has not seen it.
    public static func order(_ orderId: String, in session: any SQLSession) throws -> RecordedOrder? {
        try table.rows([orderId], in: session).first.map(order)
    }

    /// One page of the orders IT has seen, by order id, with the campaign each was attributed to
    /// (none: organic); of one campaign when asked.
    public static func orders(campaign: String?, _ page: PageRequest, in session: any SQLSession) throws
        -> [RecordedOrder]
    {
        try session.page(
            table.select, where: campaign == nil ? [] : ["campaign_id = ?"], campaign.map { [.text($0)] } ?? [],
            key: "order_id", page
        ).map(order)
    }

    private static func order(_ row: SQLRow) -> RecordedOrder {
        RecordedOrder(
            orderId: row.text(Self.orderId) ?? "", customerId: row.text(Self.customerId) ?? "",
            campaignId: row.text(Self.campaignId), revenueMinor: row.integer(Self.revenue) ?? 0,
            occurredAt: Timestamp(millisecondsSinceEpoch: row.integer(Self.occurredAt) ?? 0),
            namedCampaignId: row.text(Self.namedCampaignId))
    }

    /// The purchases at `from` through `to` of the customers after `first` through `last`, each
    /// customer's in time order (one instant by order id), on `it_orders_customer`: for the journeys.
    static func purchases(
        after first: String, through last: String, from: Timestamp, to: Timestamp,
        in session: any SQLSession
    ) throws
        -> [(customerId: String, purchase: JourneyPurchase)]
    {
        try session.query(
            """
            \(table.select) WHERE customer_id > ? AND customer_id <= ? AND occurred_at >= ? AND occurred_at <= ? \
            ORDER BY customer_id, occurred_at, order_id
            """,
            [
                .text(first), .text(last), .integer(from.millisecondsSinceEpoch),
                .integer(to.millisecondsSinceEpoch),
            ]
        ).compactMap { row in
            guard let customerId = row.text(Self.customerId), let at = row.integer(Self.occurredAt) else { return nil }
            return (
                customerId,
                JourneyPurchase(
                    at: Timestamp(millisecondsSinceEpoch: at), campaignId: row.text(Self.namedCampaignId))
            )
        }
    }
}
