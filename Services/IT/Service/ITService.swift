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
        let window = analytics.policy.attributionWindowMilliseconds
        let touches = AnalyticsTables.touchSweep(window: window)
        return ServiceDefinition(
            migrations: AnalyticsTables.migrations,
            handler: { events, session in try AnalyticsTables.apply(events, analytics: analytics, in: session) },
            reports: { session in try AnalyticsTables.performanceReports(analytics: analytics, in: session) },
            prune: { session in try AnalyticsTables.prune(window: window, sweep: touches, in: session) },
            routes: { AnalyticsRoutes(analytics: analytics, context: $0).collection })
    }
}
