import Foundation
import Hummingbird
import Logging
import Marketing
import MarketingStore
import TriadEvents
import TriadRuntime
import TriadStorage
import TriadWire

/// Marketing's HTTP API: campaigns and their commands, the briefing as JSON and as a page.
struct CampaignRoutes: Sendable {
    let desk: CampaignDesk
    let briefing: BriefingPolicy
    let dashboard: DashboardTemplate
    let context: RouteContext

    var collection: RouteCollection<APIRequestContext> {
        let routes = RouteCollection(context: APIRequestContext.self)
        routes.post("/campaigns") { request, _ in
            try await plan(request)
        }
        for command in CampaignCommand.allCases {
            routes.post("/campaigns/:id/\(command.rawValue)") { request, routeContext in
                let id = try routeContext.pathParameter("id")
                return try await perform(command, id: id, request: request)
            }
        }
        routes.get("/campaigns") { request, _ in
            let page = try PageRequest(request)
            let campaigns = try await context.read { try CampaignsTable.campaigns(page, in: $0) }
            return Page(campaigns, request: page, key: \.id)
        }
        routes.get("/campaigns/:id") { _, routeContext in
            let id = try routeContext.pathParameter("id")
            guard
                let campaign = try await context.read({
                    try CampaignsTable.campaigns([id], locking: false, in: $0).first
                })
            else {
                throw APIError(.notFound, field: "id", reason: "campaign \(id) does not exist")
            }
            return campaign
        }
        routes.get("/briefing") { _, _ in
            try await currentBriefing()
        }
        // The briefing as a page for people: HTML with its charts inline, refreshing itself.
        routes.get("/") { _, _ in
            dashboard.page(try await currentBriefing(), generatedAt: .now())
        }
        return routes
    }

    /// The briefing from the tables; totals past 64 bits are refused with 422.
    private func currentBriefing() async throws -> Briefing {
        let currency = context.config.currency.code
        let briefing = self.briefing
        do {
            return try await BriefingQuery.briefing(policy: briefing, currency: currency, from: context.database)
        } catch let error as BriefingError {
            throw APIError(.unprocessableContent, reason: error.description, code: "total-overflow")
        }
    }

    private func plan(_ request: Request) async throws(APIError) -> EditedResponse<Campaign> {
        let body = try decodeJSON(
            CampaignPlanRequest.self, from: try await request.bodyBytes(limit: context.config.maxRequestBytes))
        let planned: CampaignPlanned
        do throws(EventRejection) {
            planned = try body.planned(defaultId: UUID().uuidString.lowercased(), rules: context.codec.rules)
        } catch {
            throw APIError(error)
        }
        let desk = self.desk
        let campaign = try await write(request, campaignId: planned.campaignId) { state throws(CampaignError) in
            try desk.plan(planned, in: &state)
        }
        return EditedResponse(status: .created, response: campaign)
    }

    private func perform(_ command: CampaignCommand, id: String, request: Request) async throws(APIError) -> Campaign {
        let desk = self.desk
        let campaign = try await write(request, campaignId: id) { state throws(CampaignError) in
            try desk.perform(command, on: id, in: &state)
        }
        return campaign
    }

    /// Applies a command to one campaign (locked while it runs) in one transaction with its events
    /// in the outbox; refusals are thrown as `APIError`s.
    private func write(
        _ request: Request, campaignId: String,
        _ body: @escaping @Sendable (inout MarketingState) throws(CampaignError) -> (Campaign, [DomainEvent])
    ) async throws(APIError) -> Campaign {
        let cause = request.cause
        do throws(EventRejection) {
            try context.codec.rules.requireIdentifier(cause.correlationId, "X-Correlation-ID")
        } catch {
            throw APIError(error)
        }
        do {
            return try await context.write(cause: cause) { session in
                let existing = try CampaignsTable.campaigns([campaignId], locking: true, in: session)
                var state = MarketingState(campaigns: existing)
                let (campaign, events) = try body(&state)
                try MarketingBatch.save(state, newCampaigns: existing.isEmpty ? [campaignId.utf8Key] : [], in: session)
                return (campaign, events)
            }
        } catch let error as CampaignError {
            switch error {
            case .notFound: throw APIError(.notFound, field: "id", reason: error.description)
            case .alreadyExists: throw APIError(.conflict, field: "id", reason: error.description)
            case .refusedTransition, .budgetExceeded:
                throw APIError(.conflict, field: "status", reason: error.description, code: "refused-transition")
            }
        } catch let error as DatabaseUnavailable {
            throw APIError.databaseUnavailable(error)
        } catch {
            context.logger.error("could not store a campaign change", metadata: ["error": "\(error)"])
            throw APIError(.serviceUnavailable, reason: "the change could not be stored: \(error)")
        }
    }
}

/// Marketing's answers, written by `APIRequestContext`'s encoder.
extension Campaign: ResponseEncodable {}
extension Briefing: ResponseEncodable {}
