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
            let model = try Self.model(request)
            let accounts = try await context.read { try AccountsTable.accounts(page, in: $0) }
            return Page(
                accounts.map { CampaignFigures($0, currency: currency, model: model) }, request: page, key: \.campaignId
            )
        }
        routes.get("/envelope") { request, _ in
            let asked = try Self.quarter(request).map { [$0] }
            let ledger = self.ledger
            let statuses = try await context.read { [asked] session in
                let state = try QuartersTable.state(quarters: asked, in: session)
                return (asked ?? state.quartersWithReservations()).map { ledger.envelope(for: $0, store: state) }
            }
            return EnvelopeView(
                quarterlyEnvelope: ledger.policy.quarterlyEnvelope, hurdleBps: ledger.policy.hurdleBps,
                quarters: statuses)
        }
        routes.get("/reallocation") { request, _ in
            let quarter = try Self.quarter(request)
            let model = try Self.model(request)
            let policy = ledger.policy
            let proposal = try await context.read { session in
                try ReallocationQuery.proposal(for: quarter, model: model, policy: policy, in: session)
            }
            guard let proposal else {
                throw APIError(
                    .notFound, field: "quarter",
                    reason: "finance has seen no spend or purchase yet, so there is no next quarter: name one")
            }
            return ReallocationView(proposal)
        }
        return routes
    }

    /// `?model=`: an attribution model's name; last touch when absent.
    private static func model(_ request: Request) throws -> AttributionModel {
        guard let text = request.uri.queryParameters.get("model") else { return .default }
        guard let model = AttributionModel(rawValue: text) else {
            throw APIError(
                .badRequest, field: "model", reason: "must be one of \(AttributionModel.names), got '\(text)'")
        }
        return model
    }

    /// `?quarter=`: a quarter such as 2026-Q4; nil when absent.
    private static func quarter(_ request: Request) throws -> Quarter? {
        guard let text = request.uri.queryParameters.get("quarter") else { return nil }
        guard let quarter = Quarter(text) else {
            throw APIError(.badRequest, field: "quarter", reason: "must look like 2026-Q4, got '\(text)'")
        }
        return quarter
    }
}

/// `GET /reallocation`: a quarter's envelope split over the channels under one model.
struct ReallocationView: ResponseEncodable {
    let quarter: Quarter
    let model: AttributionModel
    let envelope: Money
    let channels: [ChannelAllocation]

    init(_ proposal: ReallocationProposal) {
        quarter = proposal.quarter
        model = proposal.model
        envelope = proposal.envelope
        channels = proposal.channels
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
    /// Spend / new customers the campaign acquired (`newCustomers`); null while none.
    let cacMinor: Int64?
    let newCustomers: Int64
    /// Spend / attributed orders (`conversions`); null while none.
    let costPerOrderMinor: Int64?
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
        newCustomers = account.newCustomers
        costPerOrderMinor = report.costPerOrderMinor
        budgetExceeded = account.exceededReported
        completed = account.completed
        released = Money(amountMinor: account.releasedMinor, currency: currency)
        byModel = returns
    }
}
