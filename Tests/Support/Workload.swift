import Foundation

/// A deterministic stream of ad spend and customer interactions for campaigns `rc-0`…, with the
/// results computed independently of the services (the oracle): what finance, IT and marketing
/// must end up with, and which events they must have emitted.
///
/// Every interaction is later than the one before, so each customer's events arrive in time
/// order (one partition per customer) and the inactivity threshold is never reached (the whole
/// stream spans under 30 days); attribution and churn episodes then depend on each customer's own
/// events only, and the oracle can follow them exactly.
public struct Workload: Sendable {
    public struct Message: Sendable {
        public let topic: String
        public let key: String
        public let value: [UInt8]
    }

    public struct Counters: Equatable, Sendable {
        public var impressions: Int64 = 0, clicks: Int64 = 0, visits: Int64 = 0, signups: Int64 = 0
        public var purchases: Int64 = 0, revenue: Int64 = 0

        public init(
            impressions: Int64 = 0, clicks: Int64 = 0, visits: Int64 = 0, signups: Int64 = 0, purchases: Int64 = 0,
            revenue: Int64 = 0
        ) {
            self.impressions = impressions
            self.clicks = clicks
            self.visits = visits
            self.signups = signups
            self.purchases = purchases
            self.revenue = revenue
        }
    }

    public let campaigns: [String]
    /// Campaign budgets (minor units): the last campaign's is small, so its spend exceeds it.
    public let budgets: [String: Int64]
    public let messages: [Message]

    public private(set) var spend: [String: Int64] = [:]
    public private(set) var attributedRevenue: [String: Int64] = [:]
    public private(set) var conversions: [String: Int64] = [:]
    public private(set) var counters: [String: Counters] = [:]
    public private(set) var attributedOrders: Set<String> = []
    public private(set) var organicOrders: Set<String> = []
    /// Revenue of the orders no campaign is credited with (IT's `GET /organic`).
    public private(set) var organicRevenue: Int64 = 0
    /// One entry per churn-risk event expected (a customer may have several episodes).
    public private(set) var churnEvents: [String] = []
    public var exceededCampaigns: Set<String> { Set(campaigns.filter { (spend[$0] ?? 0) > budgets[$0]! }) }
    /// Customers at churn risk once the stream is through, by segment (none: absent).
    public private(set) var churnRiskBySegment: [String: Int] = [:]

    /// `size` messages in all, about 15 % of them ad spend.
    public init(size: Int, campaigns count: Int = 8, customers: Int = 800, seed: UInt64 = 42, prefix: String = "w") {
        var random = SeededRandom(seed: seed)
        campaigns = (0..<count).map { "rc-\($0)" }
        var budgets: [String: Int64] = [:]
        for (index, id) in campaigns.enumerated() { budgets[id] = index == count - 1 ? 2_000 : 100_000_000 }
        self.budgets = budgets

        let start = Int64(1_790_812_800_000)  // 2026-10-01T00:00:00Z
        let window: Int64 = 30 * 86_400_000
        var touches: [Int: [(at: Int64, campaign: String)]] = [:]
        var ordersSeen: Set<String> = []
        var ordersOf: [Int: [(id: String, revenue: Int64, campaign: String?)]] = [:]
        var atRisk: Set<Int> = []
        var messages: [Message] = []
        var clock = start

        for index in 0..<size {
            let id = "\(prefix)-\(index)"
            clock += 120_000  // two minutes apart: 20,000 events span under 28 days
            let time = Self.iso8601(clock)
            if random.next(100) < 15 {
                let campaign = campaigns[random.next(count)]
                let amount = Int64(1 + random.next(100))
                spend[campaign, default: 0] += amount
                messages.append(
                    Message(
                        topic: "ads.spend", key: campaign,
                        value: Self.event(
                            id: id, type: "triad.ad-spend.reported", subject: campaign, time: time,
                            data:
                                #"{"campaignId":"\#(campaign)","amount":{"amountMinor":\#(amount),"currency":"EUR"},"occurredAt":"\#(time)"}"#
                        )))
                continue
            }
            let customer = random.next(customers)
            let customerId = "cust-\(customer)"
            let roll = random.next(100)
            var fields = [
                #""customerId":"\#(customerId)""#, #""occurredAt":"\#(time)""#, #""segment":"s\#(customer % 4)""#,
            ]
            let kind: String
            switch roll {
            case 0..<30: kind = "impression"
            case 30..<50: kind = "click"
            case 50..<65: kind = "visit"
            case 65..<70: kind = "signup"
            case 70..<95: kind = "purchase"
            default: kind = "unsubscribe"
            }
            fields.append(#""kind":"\#(kind)""#)
            // activity ends an episode
            if ["click", "visit", "signup", "purchase"].contains(kind) { atRisk.remove(customer) }

            if kind == "purchase" {
                let previous = ordersOf[customer] ?? []
                let order: (id: String, revenue: Int64, campaign: String?)
                if !previous.isEmpty && random.next(100) < 6 {
                    order = previous[random.next(previous.count)]  // the shop sends an order again
                } else {
                    order = (
                        "order-\(prefix)-\(index)", Int64(100 + random.next(9_900)),
                        random.next(100) < 30 ? campaigns[random.next(count)] : nil
                    )
                    ordersOf[customer, default: []].append(order)
                }
                fields.append(#""orderId":"\#(order.id)","revenue":{"amountMinor":\#(order.revenue),"currency":"EUR"}"#)
                if let campaign = order.campaign { fields.append(#""campaignId":"\#(campaign)""#) }
                if ordersSeen.insert(order.id).inserted {
                    let lastTouch = touches[customer]?.last { $0.at <= clock && clock - $0.at <= window }
                    if let campaign = order.campaign ?? lastTouch?.campaign {
                        attributedOrders.insert(order.id)
                        attributedRevenue[campaign, default: 0] += order.revenue
                        conversions[campaign, default: 0] += 1
                        counters[campaign, default: Counters()].purchases += 1
                        counters[campaign, default: Counters()].revenue += order.revenue
                    } else {
                        organicOrders.insert(order.id)
                        organicRevenue += order.revenue
                    }
                }
            } else if kind == "unsubscribe" {
                if atRisk.insert(customer).inserted { churnEvents.append(customerId) }
            } else if random.next(100) < 80 {
                let campaign = campaigns[random.next(count)]
                fields.append(#""campaignId":"\#(campaign)""#)
                switch kind {
                case "impression": counters[campaign, default: Counters()].impressions += 1
                case "click": counters[campaign, default: Counters()].clicks += 1
                case "visit": counters[campaign, default: Counters()].visits += 1
                default: counters[campaign, default: Counters()].signups += 1
                }
                if kind == "click" || kind == "visit" { touches[customer, default: []].append((clock, campaign)) }
            }
            messages.append(
                Message(
                    topic: "customer.interactions", key: customerId,
                    value: Self.event(
                        id: id, type: "triad.customer.interaction", subject: customerId, time: time,
                        data: "{" + fields.joined(separator: ",") + "}")))
        }
        self.messages = messages
        for customer in atRisk { churnRiskBySegment["s\(customer % 4)", default: 0] += 1 }
    }

    static func event(id: String, type: String, subject: String, time: String, data: String) -> [UInt8] {
        Array(
            #"{"specversion":"1.0","id":"\#(id)","source":"/reliability","type":"\#(type)","time":"\#(time)","subject":"\#(subject)","schemaversion":1,"datacontenttype":"application/json","data":\#(data)}"#
                .utf8)
    }

    static func iso8601(_ milliseconds: Int64) -> String {
        Date(timeIntervalSince1970: Double(milliseconds) / 1000).formatted(Date.ISO8601FormatStyle())
    }

    /// The body of `POST /campaigns` for one of the workload's campaigns.
    public func planBody(_ campaign: String) -> String {
        #"{"id":"\#(campaign)","name":"\#(campaign)","channel":"search","segment":"s0","requestedBudget":{"amountMinor":\#(budgets[campaign]!),"currency":"EUR"},"startDate":"2026-10-01","endDate":"2026-12-31","targetRoiBps":1500}"#
    }
}

/// Valid messages a test publishes besides the stream (its own ids, published ahead of the
/// stream): the oracle counts them too.
extension Workload {
    /// Ad spend on one of the workload's campaigns.
    public mutating func countSpend(_ amount: Int64, on campaign: String) {
        spend[campaign, default: 0] += amount
    }

    /// An order of a customer outside the workload: attributed (to a campaign outside the
    /// workload, so no campaign's figures change) or organic.
    public mutating func countOrder(_ id: String, revenue: Int64, attributed: Bool) {
        if attributed {
            attributedOrders.insert(id)
        } else {
            organicOrders.insert(id)
            organicRevenue += revenue
        }
    }

    /// A customer outside the workload who unsubscribed last: one churn-risk event, at risk at the end.
    public mutating func countChurnRisk(of customer: String, segment: String) {
        churnEvents.append(customer)
        churnRiskBySegment[segment, default: 0] += 1
    }
}
