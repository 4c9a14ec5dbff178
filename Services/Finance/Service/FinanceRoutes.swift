import Finance
import FinanceStore
import Foundation
import Hummingbird
import TriadEvents
import TriadRuntime
import TriadStorage

/// Finance's HTTP API: each campaign's figures, the list of accounts and the envelope per quarter.
struct FinanceRoutes: Sendable {
    let ledger: FinanceLedger
    let context: RouteContext

    private var currency: String { ledger.policy.quarterlyEnvelope.currency }

    var collection: RouteCollection<APIRequestContext> {
        let routes = RouteCollection(context: APIRequestContext.self)
        routes.get("/campaigns/:id/roi") { _, routeContext in
            let id = try routeContext.pathParameter("id")
            guard let account = try await context.read({ try AccountsTable.account(id, in: $0) }) else {
                throw APIError(.notFound, field: "id", reason: "finance has no figures for campaign \(id)")
            }
            return CampaignFigures(account, currency: currency)
        }
        routes.get("/campaigns") { request, _ in
            let page = try PageRequest(request)
            var model = AttributionModel.default
            if let text = request.uri.queryParameters.get("model") {
                guard let named = AttributionModel(rawValue: text) else {
                    throw APIError(
                        .badRequest, field: "model", reason: "must be one of \(AttributionModel.names), got '\(text)'")
                }
                model = named
            }
            let accounts = try await context.read { try AccountsTable.accounts(page, in: $0) }
            return Page(
                accounts.map { CampaignFigures($0, currency: currency, model: model) }, request: page, key: \.campaignId
            )
        }
        routes.get("/envelope") { request, _ in
            var asked: [Quarter]?
            if let text = request.uri.queryParameters.get("quarter") {
                guard let quarter = Quarter(text) else {
                    throw APIError(.badRequest, field: "quarter", reason: "must look like 2026-Q4, got '\(text)'")
                }
                asked = [quarter]
            }
            let ledger = self.ledger
            let statuses = try await context.read { [asked] session in
                let state = try QuartersTable.state(quarters: asked, in: session)
                return (asked ?? state.quartersWithReservations()).map { ledger.envelope(for: $0, store: state) }
            }
            return EnvelopeView(
                quarterlyEnvelope: ledger.policy.quarterlyEnvelope, hurdleBps: ledger.policy.hurdleBps,
                quarters: statuses)
        }
        return routes
    }
}

struct EnvelopeView: ResponseEncodable {
    let quarterlyEnvelope: Money
    let hurdleBps: Int64
    let quarters: [EnvelopeStatus]
}

/// A campaign's money as finance sees it: `revenue`, `roiBps` and `roasBps` under one model (last
/// touch unless asked), and every model's figures in `byModel`.
struct CampaignFigures: ResponseEncodable {
    let campaignId: String
    let quarter: Quarter?
    let decision: String?
    let rejectionReason: BudgetRejectionReason?
    let approvedBudget: Money?
    let spend: MoneyTotal
    let revenue: MoneyTotal
    let conversions: Int64
    let roiBps: Int64?
    let roasBps: Int64?
    let cacMinor: Int64?
    let budgetExceeded: Bool
    let completed: Bool
    let released: Money
    let byModel: [AttributionModel: ModelReturn]

    init(_ account: CampaignAccount, currency: String, model: AttributionModel = .default) {
        let report = account.roiReport(currency: currency)
        let returns = account.returns(currency: currency)
        campaignId = account.campaignId
        quarter = account.quarter
        switch account.decision {
        case .approved: (decision, rejectionReason) = ("approved", nil)
        case .rejected(let reason): (decision, rejectionReason) = ("rejected", reason)
        case nil: (decision, rejectionReason) = (nil, nil)
        }
        approvedBudget = account.approvedMinor.map { Money(amountMinor: $0, currency: currency) }
        spend = report.spend
        revenue = returns[model]?.revenue ?? report.revenue
        conversions = report.conversions
        roiBps = returns[model]?.roiBps
        roasBps = returns[model]?.roasBps
        cacMinor = report.cacMinor
        budgetExceeded = account.exceededReported
        completed = account.completed
        released = Money(amountMinor: account.releasedMinor, currency: currency)
        byModel = returns
    }
}
