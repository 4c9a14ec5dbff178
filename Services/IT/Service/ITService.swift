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
