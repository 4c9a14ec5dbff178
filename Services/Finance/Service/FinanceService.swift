import Finance
import FinanceStore
import Foundation
import Hummingbird
import Logging
import TriadEvents
import TriadRuntime

/// Finance: budget decisions from the quarterly envelope, the spend ledger and ROI reports.
@main
enum FinanceService {
    static func main() async {
        let code = await ServiceHost.main(service: .finance, defaultPort: 8082) {
            runtime, environment, logger throws(ConfigurationError) in
            let config = try FinanceConfig(runtime: runtime, environment: environment)
            logger.info(
                "budget policy",
                metadata: [
                    "envelope": "\(config.policy.quarterlyEnvelope)", "hurdle-bps": "\(config.policy.hurdleBps)",
                ])
            return definition(ledger: FinanceLedger(policy: config.policy))
        }
        exit(code)
    }

    static func definition(ledger: FinanceLedger) -> ServiceDefinition {
        ServiceDefinition(
            migrations: FinanceSchema.migrations,
            handler: { events, session in try FinanceBatch.apply(events, ledger: ledger, in: session) },
            reports: { session in
                try RoiReportedTable.reports(ledger: ledger, in: session)
                    + AcquisitionReportedTable.reports(ledger: ledger, in: session)
                    + ReallocationQuery.reports(policy: ledger.policy, in: session)
            },
            summarised: FinanceLedger.handledTypes,
            routes: { FinanceRoutes(ledger: ledger, context: $0).collection })
    }
}
