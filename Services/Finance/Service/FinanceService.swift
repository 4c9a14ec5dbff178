import Finance
import Foundation
import Hummingbird
import Logging
import TriadEvents
import TriadRuntime

/// Finance: budget decisions from the quarterly envelope, the spend ledger and ROI reports.
@main
enum FinanceService {
    static func main() async {
        let code = await ServiceHost.main(service: .finance, defaultPort: 8082) { runtime, environment, logger throws(ConfigurationError) in
            let config = try FinanceConfig(runtime: runtime, environment: environment)
            logger.info(
                "budget policy",
                metadata: ["envelope": "\(config.policy.quarterlyEnvelope)", "hurdle-bps": "\(config.policy.hurdleBps)"])
            return definition(ledger: FinanceLedger(policy: config.policy))
        }
        exit(code)
    }

    static func definition(ledger: FinanceLedger) -> ServiceDefinition {
        ServiceDefinition(
            migrations: FinanceTables.migrations,
            handler: { events, session in try FinanceTables.apply(events, ledger: ledger, in: session) },
            reports: { session in try FinanceTables.roiReports(ledger: ledger, in: session) },
            routes: { router, service in
                router.get("/campaigns/:id/roi") { _, context in
                    let id = try context.pathParameter("id")
                    guard let account = try await service.read({ try FinanceTables.account(id, in: $0) }) else {
                        return JSONResponse.error(.notFound, field: "id", reason: "finance has no figures for campaign \(id)")
                    }
                    return JSONResponse.make(CampaignFigures(account, currency: ledger.policy.quarterlyEnvelope.currency))
                }
                router.get("/campaigns") { request, _ in
                    let page = try PageRequest(request)
                    let accounts = try await service.read { try FinanceTables.accounts(page, in: $0) }
                    let currency = ledger.policy.quarterlyEnvelope.currency
                    return JSONResponse.make(
                        Page(accounts.map { CampaignFigures($0, currency: currency) }, request: page, key: \.campaignId))
                }
                router.get("/envelope") { request, _ in
                    var asked: [Quarter]?
                    if let text = request.uri.queryParameters.get("quarter") {
                        guard let quarter = Quarter(text) else {
                            return JSONResponse.error(.badRequest, field: "quarter", reason: "must look like 2026-Q4, got '\(text)'")
                        }
                        asked = [quarter]
                    }
                    let statuses = try await service.read { [asked] session in
                        let state = try FinanceTables.state(quarters: asked, in: session)
                        return (asked ?? state.quartersWithReservations()).map { ledger.envelope(for: $0, store: state) }
                    }
                    return JSONResponse.make(
                        EnvelopeView(
                            quarterlyEnvelope: ledger.policy.quarterlyEnvelope, hurdleBps: ledger.policy.hurdleBps,
                            quarters: statuses))
                }
            })
    }
}

struct EnvelopeView: Encodable {
    let quarterlyEnvelope: Money
    let hurdleBps: Int64
    let quarters: [EnvelopeStatus]
}

/// A campaign's money as finance sees it.
struct CampaignFigures: Encodable {
    let campaignId: String
    let quarter: Quarter?
    let decision: String?
    let rejectionReason: BudgetRejectionReason?
    let approvedBudget: Money?
    let spend: Money
    let revenue: Money
    let conversions: Int64
    let roiBps: Int64?
    let roasBps: Int64?
    let cacMinor: Int64?
    let budgetExceeded: Bool
    let completed: Bool
    let released: Money

    init(_ account: CampaignAccount, currency: String) {
        let report = account.roiReport(currency: currency)
        campaignId = account.campaignId
        quarter = account.quarter
        switch account.decision {
        case .approved: (decision, rejectionReason) = ("approved", nil)
        case .rejected(let reason): (decision, rejectionReason) = ("rejected", reason)
        case nil: (decision, rejectionReason) = (nil, nil)
        }
        approvedBudget = account.approvedMinor.map { Money(amountMinor: $0, currency: currency) }
        spend = report.spend
        revenue = report.revenue
        conversions = report.conversions
        roiBps = report.roiBps
        roasBps = report.roasBps
        cacMinor = report.cacMinor
        budgetExceeded = account.exceededReported
        completed = account.completed
        released = Money(amountMinor: account.releasedMinor, currency: currency)
    }
}
