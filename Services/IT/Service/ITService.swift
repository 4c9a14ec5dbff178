import Analytics
import Foundation
import Hummingbird
import Logging
import TriadEvents
import TriadRuntime

/// IT (analytics): attribution, campaign performance and churn risk from customer interactions.
@main
enum ITService {
    static func main() async {
        let code = await ServiceHost.main(service: .it, defaultPort: 8083) { runtime, environment, logger throws(ConfigurationError) in
            let config = try ITConfig(runtime: runtime, environment: environment)
            logger.info(
                "analytics policy",
                metadata: [
                    "attribution-window-ms": "\(config.policy.attributionWindowMilliseconds)",
                    "inactivity-ms": "\(config.policy.inactivityMilliseconds)",
                ])
            return definition(analytics: Analytics(policy: config.policy))
        }
        exit(code)
    }

    static func definition(analytics: Analytics) -> ServiceDefinition {
        ServiceDefinition(
            migrations: AnalyticsTables.migrations,
            handler: { events, session in try AnalyticsTables.apply(events, analytics: analytics, in: session) },
            reports: { session in try AnalyticsTables.performanceReports(analytics: analytics, in: session) },
            prune: { session in try AnalyticsTables.prune(window: analytics.policy.attributionWindowMilliseconds, in: session) },
            routes: { router, service in
                router.get("/campaigns/:id/performance") { _, context in
                    let id = try context.pathParameter("id")
                    guard let counters = try await service.read({ try AnalyticsTables.counters(of: id, in: $0) }) else {
                        return JSONResponse.error(.notFound, field: "id", reason: "IT has seen nothing for campaign \(id)")
                    }
                    return JSONResponse.make(counters.report(currency: analytics.policy.currency))
                }
                router.get("/customers/:id") { _, context in
                    let id = try context.pathParameter("id")
                    let view = try await service.read { session -> CustomerView? in
                        guard let customer = try AnalyticsTables.customer(id, in: session) else { return nil }
                        return CustomerView(customer, touches: try AnalyticsTables.touches(of: id, limit: 100, in: session))
                    }
                    guard let view else {
                        return JSONResponse.error(.notFound, field: "id", reason: "IT has seen nothing of customer \(id)")
                    }
                    return JSONResponse.make(view)
                }
                router.get("/campaigns") { request, _ in
                    let page = try PageRequest(request)
                    let counters = try await service.read { try AnalyticsTables.counters(page, in: $0) }
                    return JSONResponse.make(
                        Page(counters.map { $0.report(currency: analytics.policy.currency) }, request: page, key: \.campaignId))
                }
                router.get("/customers") { request, _ in
                    // Only the customers at churn risk are listed: `?atRisk=true` says so explicitly.
                    if let flag = request.uri.queryParameters.get("atRisk"), flag != "true" {
                        return JSONResponse.error(.badRequest, field: "atRisk", reason: "only true is supported (customers at churn risk), got '\(flag)'")
                    }
                    let page = try PageRequest(request)
                    let segment = request.uri.queryParameters.get("segment").map { String($0) }
                    let customers = try await service.read { try AnalyticsTables.customersAtRisk(segment: segment, page, in: $0) }
                    return JSONResponse.make(Page(customers.map { AtRiskView($0) }, request: page, key: \.customerId))
                }
                router.get("/attributions") { request, _ in
                    let page = try PageRequest(request)
                    let campaign = request.uri.queryParameters.get("campaign").map { String($0) }
                    let orders = try await service.read { try AnalyticsTables.orders(campaign: campaign, page, in: $0) }
                    return JSONResponse.make(
                        Page(orders.map { AttributionView($0, currency: analytics.policy.currency) }, request: page, key: \.orderId))
                }
                router.get("/organic") { _, _ in
                    JSONResponse.make(try await service.read { try AnalyticsTables.organic(in: $0) })
                }
            })
    }
}

/// What IT knows of a customer, with its most recent touches (oldest first).
struct CustomerView: Encodable {
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
