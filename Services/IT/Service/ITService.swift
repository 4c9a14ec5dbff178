import Analytics
import AnalyticsStore
import Foundation
import Hummingbird
import Logging
import TriadEvents
import TriadRuntime

/// IT (analytics): attribution, campaign performance and churn risk from customer interactions.
@main
enum ITService {
    static func main() async {
        let code = await ServiceHost.main(service: .it, defaultPort: 8083) {
            runtime, environment, logger throws(ConfigurationError) in
            let config = try ITConfig(runtime: runtime, environment: environment)
            logger.info(
                "analytics policy",
                metadata: [
                    "attribution-window-ms": "\(config.policy.attributionWindowMilliseconds)",
                    "inactivity-ms": "\(config.policy.inactivityMilliseconds)",
                ])
            return definition(analytics: Analytics(policy: config.policy), markovInterval: config.markovInterval)
        }
        exit(code)
    }

    static func definition(analytics: Analytics, markovInterval: Duration = .seconds(60)) -> ServiceDefinition {
        let window = analytics.policy.attributionWindowMilliseconds
        let touches = TouchesTable.sweep(window: window)
        return ServiceDefinition(
            migrations: AnalyticsSchema.migrations,
            handler: { events, session in try AnalyticsBatch.apply(events, analytics: analytics, in: session) },
            reports: { session in try PerformanceReportedTable.reports(analytics: analytics, in: session) },
            prune: { session in try TouchesTable.prune(window: window, sweep: touches, in: session) },
            periodic: [
                PeriodicTask("markov attribution", every: markovInterval) { context in
                    try await MarkovReading.refresh(window: window, in: context)
                }
            ],
            routes: { AnalyticsRoutes(analytics: analytics, context: $0).collection })
    }
}
