import Analytics
import TriadEvents
import TriadStorage

/// `it_order_credits`: the credits of each attributed order that shares credit, keyed by its time
/// then its id (the window reads walk the key). Kept, as orders are, for good.
///
/// An order whose every model credits its attributed campaign wholly — one campaign among its
/// touches, most orders — has no row: its credits are read from `it_orders` (the campaign and the
/// revenue), so a purchase writes a second row only when the models disagree. Organic orders have
/// no row either. (Databases from before may hold rows for whole orders too; they read the same.)
///
/// The credits are one text per order, a line per model in `AttributionModel` order:
/// `model` then, per credit, `campaignId`, `bps` and revenue in minor units, all tab-separated
/// (an identifier holds no control character).
public enum OrderCreditsTable {
    static let table = Table(
        "it_order_credits", key: 2, [.integer("occurred_at"), .text("order_id"), .text("credits")])

    private static let credits = table.only("credits").field("credits")

    /// Records the credits of the batch's new attributed orders that share credit
    /// (`OrdersTable.recordNew` has refused any order recorded before).
    static func save(_ orders: [RecordedOrder], in session: any SQLSession) throws {
        try table.insert(
            orders.filter { !isWhole($0) }.map { order in
                [.integer(order.occurredAt.millisecondsSinceEpoch), .text(order.orderId), .text(text(order.credits))]
            }, in: session)
    }

    /// Whether the order's credits follow from the order alone: organic, or every model crediting
    /// its attributed campaign with all of it.
    static func isWhole(_ order: RecordedOrder) -> Bool {
        guard let campaignId = order.campaignId else { return true }
        return order.credits.count == AttributionModel.allCases.count
            && order.credits.values.allSatisfy { list in
                list.count == 1 && list[0].bps == 10_000 && list[0].revenue.amountMinor == order.revenueMinor
                    && list[0].campaignId.utf8Key == campaignId.utf8Key
            }
    }

    // MARK: Reads

    /// The credits of `order` (as `OrdersTable` keeps it), in `currency`; none when organic.
    public static func credits(of order: RecordedOrder, currency: String, in session: any SQLSession) throws
        -> CreditsByModel
    {
        guard let campaignId = order.campaignId else { return [:] }
        let row = try session.query(
            "SELECT credits FROM it_order_credits WHERE occurred_at = ? AND order_id = ?",
            [.integer(order.occurredAt.millisecondsSinceEpoch), .text(order.orderId)]
        ).first
        guard let text = row?.text(Self.credits) else {
            return ConversionAttributed.whole(campaignId, Money(amountMinor: order.revenueMinor, currency: currency))
        }
        var found: CreditsByModel = [:]
        for entry in entries(text) {
            found[entry.model, default: []].append(
                CampaignCredit(
                    campaignId: entry.campaignId, bps: entry.bps,
                    revenue: Money(amountMinor: entry.revenueMinor, currency: currency)))
        }
        return found
    }

    /// A row of `revenueByCampaign`'s join: an order's time, id, campaign and revenue, its credits if it has a row.
    private static let windowRow = Table(
        "it_orders",
        [
            .integer("occurred_at"), .text("order_id"), .text("campaign_id", nullable: true),
            .integer("revenue_minor"), .text("credits", nullable: true),
        ])

    /// Per model, the revenue (minor units) credited to each campaign (by its bytes) over the
    /// attributed orders purchased in [`from`, `to`]: the orders by their time, each with its credits
    /// row if it has one. Read `ordersPerPage` orders at a time, in (time, id) order, so what is held
    /// at once does not grow with the window (a window of a few million events holds hundreds of
    /// thousands of orders, with about a kilobyte of credits each).
    public static func revenueByCampaign(
        from: Timestamp, to: Timestamp, ordersPerPage: Int = 2_000, in session: any SQLSession
    ) throws
        -> [AttributionModel: [UTF8Key: Int64]]
    {
        let time = windowRow.field("occurred_at")
        let order = windowRow.field("order_id")
        let campaign = windowRow.field("campaign_id")
        let revenue = windowRow.field("revenue_minor")
        let shared = windowRow.field("credits")
        var sums: [AttributionModel: [UTF8Key: Int64]] = [:]
        // The last order read: the next page starts after it (no order id is empty).
        var after = (time: from.millisecondsSinceEpoch, order: "")
        while true {
            let rows = try session.query(
                """
                SELECT o.occurred_at, o.order_id, o.campaign_id, o.revenue_minor, c.credits FROM it_orders o \
                LEFT JOIN it_order_credits c ON c.occurred_at = o.occurred_at AND c.order_id = o.order_id \
                WHERE o.occurred_at >= ? AND o.occurred_at <= ? AND o.campaign_id IS NOT NULL \
                AND (o.occurred_at > ? OR (o.occurred_at = ? AND o.order_id > ?)) \
                ORDER BY o.occurred_at, o.order_id LIMIT \(max(ordersPerPage, 1))
                """,
                [
                    .integer(after.time), .integer(to.millisecondsSinceEpoch), .integer(after.time),
                    .integer(after.time), .text(after.order),
                ])
            for row in rows {
                if let text = row.text(shared) {
                    for entry in entries(text) {
                        sums[entry.model, default: [:]][entry.campaignId.utf8Key, default: 0] += entry.revenueMinor
                    }
                } else if let campaignId = row.text(campaign)?.utf8Key {
                    let minor = row.integer(revenue) ?? 0
                    for model in AttributionModel.allCases {
                        sums[model, default: [:]][campaignId, default: 0] += minor
                    }
                }
            }
            guard rows.count >= ordersPerPage, let last = rows.last, let lastTime = last.integer(time),
                let lastOrder = last.text(order)
            else { break }
            after = (lastTime, lastOrder)
        }
        return sums
    }

    // MARK: The text

    static func text(_ credits: CreditsByModel) -> String {
        // Written as bytes and made a string once: an order's credits run to dozens of fields.
        var text: [UInt8] = []
        text.reserveCapacity(24 + 24 * credits.values.reduce(0) { $0 + $1.count })
        for model in AttributionModel.allCases {
            guard let list = credits[model] else { continue }
            if !text.isEmpty { text.append(0x0A) }  // \n
            text.append(contentsOf: model.rawValue.utf8)
            for credit in list {
                text.append(0x09)  // \t
                text.append(contentsOf: credit.campaignId.utf8)
                text.append(0x09)
                text.appendDecimal(credit.bps)
                text.append(0x09)
                text.appendDecimal(credit.revenue.amountMinor)
            }
        }
        return String(decoding: text, as: UTF8.self)
    }

    static func entries(_ text: String) -> [(
        model: AttributionModel, campaignId: String, bps: Int64, revenueMinor: Int64
    )] {
        var found: [(model: AttributionModel, campaignId: String, bps: Int64, revenueMinor: Int64)] = []
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard let model = AttributionModel(rawValue: String(fields[0])) else { continue }
            var index = 1
            while index + 2 < fields.count {
                found.append(
                    (model, String(fields[index]), Int64(fields[index + 1]) ?? 0, Int64(fields[index + 2]) ?? 0))
                index += 3
            }
        }
        return found
    }
}
