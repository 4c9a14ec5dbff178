import Analytics
import AnalyticsStore
import Foundation
import Hummingbird
import TriadEvents
import TriadRuntime
import TriadStorage

/// IT's HTTP API: campaign counters, organic totals, customers (one, or those at churn risk) and
/// attributions.
struct AnalyticsRoutes: Sendable {
    let analytics: Analytics
    let context: RouteContext

    private var currency: String { analytics.policy.currency }

    var collection: RouteCollection<APIRequestContext> {
        let routes = RouteCollection(context: APIRequestContext.self)
        routes.get("/campaigns/:id/performance") { _, routeContext in
            let id = try routeContext.pathParameter("id")
            guard let counters = try await context.read({ try CampaignCountersTable.counters(of: id, in: $0) }) else {
                throw APIError(.notFound, field: "id", reason: "IT has seen nothing for campaign \(id)")
            }
            return counters.report(currency: currency)
        }
        routes.get("/campaigns") { request, _ in
            let page = try PageRequest(request)
            let counters = try await context.read { try CampaignCountersTable.counters(page, in: $0) }
            return Page(counters.map { $0.report(currency: currency) }, request: page, key: \.campaignId)
        }
        routes.get("/organic") { _, _ in
            try await context.read { try OrganicTable.totals(in: $0) }
        }
        routes.get("/customers/:id") { _, routeContext in
            let id = try routeContext.pathParameter("id")
            let view = try await context.read { session -> CustomerView? in
                guard let customer = try CustomersTable.customer(id, in: session) else { return nil }
                return CustomerView(customer, touches: try TouchesTable.recent(of: id, limit: 100, in: session))
            }
            guard let view else {
                throw APIError(.notFound, field: "id", reason: "IT has seen nothing of customer \(id)")
            }
            return view
        }
        routes.get("/customers") { request, _ in
            // Only the customers at churn risk are listed: `?atRisk=true` says so explicitly.
            if let flag = request.uri.queryParameters.get("atRisk"), flag != "true" {
                throw APIError(
                    .badRequest, field: "atRisk",
                    reason: "only true is supported (customers at churn risk), got '\(flag)'")
            }
            let page = try PageRequest(request)
            let segment = try request.identifierParameter("segment")
            let customers = try await context.read { try CustomersTable.atRisk(segment: segment, page, in: $0) }
            return Page(customers.map { AtRiskView($0) }, request: page, key: \.customerId)
        }
        routes.get("/attributions") { request, _ in
            let page = try PageRequest(request)
            let campaign = try request.identifierParameter("campaign")
            let orders = try await context.read { try OrdersTable.orders(campaign: campaign, page, in: $0) }
            return Page(orders.map { AttributionView($0, currency: currency) }, request: page, key: \.orderId)
        }
        routes.get("/attributions/:orderId") { _, routeContext in
            let id = try routeContext.pathParameter("orderId")
            let view = try await context.read { session -> OrderAttributionView? in
                guard let order = try OrdersTable.order(id, in: session) else { return nil }
                let credits = try OrderCreditsTable.credits(of: order, currency: currency, in: session)
                return OrderAttributionView(order, credits: credits, currency: currency)
            }
            guard let view else { throw APIError(.notFound, field: "orderId", reason: "IT has not seen order \(id)") }
            return view
        }
        routes.get("/attribution/markov") { _, _ in
            guard let latest = try await context.read({ try MarkovTable.latest(in: $0) }) else {
                throw APIError(.notFound, reason: "the data-driven attribution has not been computed yet")
            }
            return latest
        }
        return routes
    }
}

/// What IT knows of a customer, with its most recent touches (oldest first).
struct CustomerView: ResponseEncodable {
    let customerId: String
    let segment: String
    let lastActivityAt: Timestamp?
    let purchases: Int64
    let atRisk: Bool
    let touches: [Touch]

    init(_ customer: CustomerRecord, touches: [Touch]) {
        customerId = customer.customerId
        segment = customer.segment
        lastActivityAt = customer.lastActivityAt
        purchases = customer.purchases
        atRisk = customer.atRisk
        self.touches = touches.reversed()
    }
}

/// A customer at churn risk, for `GET /customers`.
struct AtRiskView: Encodable, Sendable {
    let customerId: String
    let segment: String
    /// nil for an episode stored before reasons were kept.
    let reason: ChurnRiskReason?
    let lastActivityAt: Timestamp?
    let purchases: Int64

    init(_ customer: CustomerRecord) {
        customerId = customer.customerId
        segment = customer.segment
        reason = customer.riskReason
        lastActivityAt = customer.lastActivityAt
        purchases = customer.purchases
    }
}

/// An order and the campaign IT attributed it to (none: organic), for `GET /attributions`.
struct AttributionView: Encodable, Sendable {
    let orderId: String
    let customerId: String
    let campaignId: String?
    let revenue: Money
    let occurredAt: Timestamp

    init(_ order: RecordedOrder, currency: String) {
        orderId = order.orderId
        customerId = order.customerId
        campaignId = order.campaignId
        revenue = Money(amountMinor: order.revenueMinor, currency: currency)
        occurredAt = order.occurredAt
    }
}

/// An order with its credits under every rule-based model, for `GET /attributions/{orderId}`:
/// `campaignId` (last touch's) is null and `credits` empty when the order is organic.
struct OrderAttributionView: ResponseEncodable {
    let orderId: String
    let customerId: String
    let occurredAt: Timestamp
    let revenue: Money
    let campaignId: String?
    let credits: CreditsByModel

    init(_ order: RecordedOrder, credits: CreditsByModel, currency: String) {
        orderId = order.orderId
        customerId = order.customerId
        occurredAt = order.occurredAt
        revenue = Money(amountMinor: order.revenueMinor, currency: currency)
        campaignId = order.campaignId
        self.credits = credits
    }

    private enum CodingKeys: String, CodingKey { case orderId, customerId, occurredAt, revenue, campaignId, credits }

    /// `campaignId` is written even when null.
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(orderId, forKey: .orderId)
        try container.encode(customerId, forKey: .customerId)
        try container.encode(occurredAt, forKey: .occurredAt)
        try container.encode(revenue, forKey: .revenue)
        try container.encode(campaignId, forKey: .campaignId)
        try container.encode(credits, forKey: .credits)
    }
}

/// IT's answers from the domain and the catalog, written by `APIRequestContext`'s encoder.
extension CampaignPerformanceReported: ResponseEncodable {}
extension OrganicTotals: ResponseEncodable {}
extension AttributionMarkovComputed: ResponseEncodable {}
