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
            return definition(analytics: Analytics(policy: config.policy), state: StateBox(InMemoryAnalyticsStore()))
        }
        exit(code)
    }

    static func definition(analytics: Analytics, state: StateBox<InMemoryAnalyticsStore>) -> ServiceDefinition {
        ServiceDefinition(
            consumes: [.customerInteractions],
            produces: [.attributions, .insights],
            handler: { received in state.withLock { analytics.apply(received.event, to: &$0) } },
            reports: { state.withLock { analytics.pendingPerformanceReports(in: &$0) } },
            routes: { router, _ in
                router.get("/campaigns/:id/performance") { _, context in
                    let id = try context.parameters.require("id")
                    guard let counters = state.withLock({ $0.counters(id) }) else {
                        return JSONResponse.error(.notFound, field: "id", reason: "IT has seen nothing for campaign \(id)")
                    }
                    return JSONResponse.make(counters.report(currency: analytics.policy.currency))
                }
                router.get("/customers/:id") { _, context in
                    let id = try context.parameters.require("id")
                    guard let customer = state.withLock({ $0.customer(id) }) else {
                        return JSONResponse.error(.notFound, field: "id", reason: "IT has seen nothing of customer \(id)")
                    }
                    return JSONResponse.make(customer)
                }
                router.get("/organic") { _, _ in
                    JSONResponse.make(state.withLock { $0.organic })
                }
            })
    }
}
