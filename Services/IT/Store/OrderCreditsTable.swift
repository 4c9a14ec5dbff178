import Analytics
import TriadEvents
import TriadStorage

/// `it_order_credits`: each attributed order's credits under every rule-based model, keyed by its
/// time then its id (the window reads walk the key). Organic orders have no row. Kept, as orders
/// are, for good.
///
/// The credits are one text per order, a line per model in `AttributionModel` order:
/// `model` then, per credit, `campaignId`, `bps` and revenue in minor units, all tab-separated
/// (an identifier holds no control character). One row per order keeps ingest cheap: a purchase
/// writes one row here, not one per campaign and model.
public enum OrderCreditsTable {
    static let table = Table(
        "it_order_credits", key: 2, [.integer("occurred_at"), .text("order_id"), .text("credits")])

    private static let credits = table.only("credits").field("credits")

    /// Records the credits of the batch's new attributed orders (`OrdersTable.recordNew` has
    /// refused any order recorded before).
    static func save(_ orders: [RecordedOrder], in session: any SQLSession) throws {
        try table.insert(
            orders.filter { !$0.credits.isEmpty }.map { order in
                [.integer(order.occurredAt.millisecondsSinceEpoch), .text(order.orderId), .text(text(order.credits))]
            }, in: session)
    }

    // MARK: Reads

    /// The credits of the order `orderId` purchased at `occurredAt`, in `currency`; none when organic.
    public static func credits(
        of orderId: String, at occurredAt: Timestamp, currency: String, in session: any SQLSession
    ) throws -> CreditsByModel {
        let row = try session.query(
            "SELECT credits FROM it_order_credits WHERE occurred_at = ? AND order_id = ?",
            [.integer(occurredAt.millisecondsSinceEpoch), .text(orderId)]
        ).first
        var found: CreditsByModel = [:]
        for entry in entries(row?.text(Self.credits) ?? "") {
            found[entry.model, default: []].append(
                CampaignCredit(
                    campaignId: entry.campaignId, bps: entry.bps,
                    revenue: Money(amountMinor: entry.revenueMinor, currency: currency)))
        }
        return found
    }

    /// Per model, the revenue (minor units) credited to each campaign (by its bytes) over the orders
    /// purchased in [`from`, `to`].
    public static func revenueByCampaign(from: Timestamp, to: Timestamp, in session: any SQLSession) throws
        -> [AttributionModel: [UTF8Key: Int64]]
    {
        var sums: [AttributionModel: [UTF8Key: Int64]] = [:]
        for row in try session.query(
            "SELECT credits FROM it_order_credits WHERE occurred_at >= ? AND occurred_at <= ?",
            [.integer(from.millisecondsSinceEpoch), .integer(to.millisecondsSinceEpoch)])
        {
            for entry in entries(row.text(Self.credits) ?? "") {
                sums[entry.model, default: [:]][entry.campaignId.utf8Key, default: 0] += entry.revenueMinor
            }
        }
        return sums
    }

    // MARK: The text

    static func text(_ credits: CreditsByModel) -> String {
        var text = ""
        text.reserveCapacity(256)
        for model in AttributionModel.allCases {
            guard let list = credits[model] else { continue }
            if !text.isEmpty { text += "\n" }
            text += model.rawValue
            for credit in list {
                text += "\t"
                text += credit.campaignId
                text += "\t"
                text += String(credit.bps)
                text += "\t"
                text += String(credit.revenue.amountMinor)
            }
        }
        return text
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
