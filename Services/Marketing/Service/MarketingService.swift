import Foundation
import Hummingbird
import Marketing
import MarketingStore
import TriadEvents
import TriadRuntime

/// Marketing: campaigns and their state machine over HTTP, reactions to finance, and the briefing.
@main
enum MarketingService {
    static func main() async {
        let code = await ServiceHost.main(service: .marketing, defaultPort: 8081) {
            _, environment, _ throws(ConfigurationError) in
            let config = try MarketingConfig(environment: environment)
            return definition(briefing: config.briefing)
        }
        exit(code)
    }

    static func definition(briefing: BriefingPolicy) -> ServiceDefinition {
        let desk = CampaignDesk()
        let dashboard = DashboardTemplate.shipped
        return ServiceDefinition(
            migrations: MarketingSchema.migrations,
            handler: { events, session in try MarketingBatch.apply(events, desk: desk, in: session) },
            routes: { CampaignRoutes(desk: desk, briefing: briefing, dashboard: dashboard, context: $0).collection })
    }
}
