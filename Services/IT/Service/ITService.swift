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
            consumes: [.customerInteractions],
            produces: [.attributions, .insights],
            handler: { received, transaction in
                var store = DocumentAnalyticsStore(transaction)
                return analytics.apply(received.event, to: &store)
            },
            reports: { transaction in
                var store = DocumentAnalyticsStore(transaction)
                return analytics.pendingPerformanceReports(in: &store)
            },
            routes: { router, service in
                router.get("/campaigns/:id/performance") { _, context in
                    let id = try context.parameters.require("id")
                    guard let counters = try await service.read({ DocumentAnalyticsStore($0).counters(id) }) else {
                        return JSONResponse.error(.notFound, field: "id", reason: "IT has seen nothing for campaign \(id)")
                    }
                    return JSONResponse.make(counters.report(currency: analytics.policy.currency))
                }
                router.get("/customers/:id") { _, context in
                    let id = try context.parameters.require("id")
                    guard let customer = try await service.read({ DocumentAnalyticsStore($0).customer(id) }) else {
                        return JSONResponse.error(.notFound, field: "id", reason: "IT has seen nothing of customer \(id)")
                    }
                    return JSONResponse.make(customer)
                }
                router.get("/organic") { _, _ in
                    JSONResponse.make(try await service.read { DocumentAnalyticsStore($0).organic })
                }
            })
    }
}
