import Foundation
import Hummingbird
import Logging
import Marketing
import TriadEvents
import TriadRuntime

/// Marketing's HTTP API.
struct CampaignRoutes: Sendable {
    let desk: CampaignDesk
    let state: StateBox<InMemoryMarketingStore>
    let briefing: BriefingPolicy
    let context: RouteContext

    func add(to router: Router<BasicRequestContext>) {
        router.post("/campaigns") { request, _ in
            await refusing { () async throws(HTTPRefusal) in try await plan(request) }
        }
        for command in CampaignCommand.allCases {
            router.post("/campaigns/:id/\(command.rawValue)") { request, routeContext in
                let id = try routeContext.parameters.require("id")
                return await refusing { () async throws(HTTPRefusal) in try await perform(command, id: id, request: request) }
            }
        }
        router.get("/campaigns") { _, _ in
            JSONResponse.make(state.withLock { $0.allCampaigns() })
        }
        router.get("/campaigns/:id") { _, routeContext in
            let id = try routeContext.parameters.require("id")
            guard let campaign = state.withLock({ $0.campaign(id) }) else {
                return JSONResponse.error(.notFound, field: "id", reason: "campaign \(id) does not exist")
            }
            return JSONResponse.make(campaign)
        }
        router.get("/briefing") { _, _ in
            let currency = context.config.currency.code
            return JSONResponse.make(state.withLock { Briefing.make(from: $0, policy: briefing, currency: currency) })
        }
    }

    /// The body of `POST /campaigns`. `id` is optional: one is generated when absent.
    struct PlanRequest: Decodable {
        let id: String?
        let name: String
        let channel: Channel
        let segment: String
        let requestedBudget: Money
        let startDate: CalendarDate
        let endDate: CalendarDate
        let targetRoiBps: Int64
    }

    private func plan(_ request: Request) async throws(HTTPRefusal) -> Response {
        let body = try decodeJSON(PlanRequest.self, from: try await request.bodyBytes(limit: context.config.maxRequestBytes))
        let planned = CampaignPlanned(
            campaignId: body.id ?? UUID().uuidString.lowercased(), name: body.name, channel: body.channel,
            segment: body.segment, requestedBudget: body.requestedBudget, startDate: body.startDate,
            endDate: body.endDate, targetRoiBps: body.targetRoiBps)
        do throws(EventRejection) {
            try planned.validate(context.codec.rules)
        } catch {
            throw HTTPRefusal(JSONResponse.rejection(error))
        }
        let (campaign, events) = try outcome { () throws(CampaignError) in
            try state.withLock { (store: inout InMemoryMarketingStore) throws(CampaignError) in try desk.plan(planned, in: &store) }
        }
        try await publish(events, request: request)
        return JSONResponse.make(campaign, status: .created)
    }

    private func perform(_ command: CampaignCommand, id: String, request: Request) async throws(HTTPRefusal) -> Response {
        let (campaign, events) = try outcome { () throws(CampaignError) in
            try state.withLock { (store: inout InMemoryMarketingStore) throws(CampaignError) in
                try desk.perform(command, on: id, in: &store)
            }
        }
        try await publish(events, request: request)
        return JSONResponse.make(campaign)
    }

    private func outcome<T>(_ body: () throws(CampaignError) -> T) throws(HTTPRefusal) -> T {
        do {
            return try body()
        } catch {
            switch error {
            case .notFound: throw HTTPRefusal(JSONResponse.error(.notFound, field: "id", reason: error.description))
            case .alreadyExists: throw HTTPRefusal(JSONResponse.error(.conflict, field: "id", reason: error.description))
            case .refusedTransition, .budgetExceeded:
                throw HTTPRefusal(JSONResponse.error(.conflict, field: "status", reason: error.description, code: "refused-transition"))
            }
        }
    }

    private func publish(_ events: [DomainEvent], request: Request) async throws(HTTPRefusal) {
        do {
            try await context.publisher.publish(events, cause: request.cause)
        } catch {
            context.logger.error("could not publish campaign events", metadata: ["error": "\(error)"])
            throw HTTPRefusal(
                JSONResponse.error(.serviceUnavailable, field: nil, reason: "the change is recorded but its event could not be published: \(error)"))
        }
    }
}

/// Turns a refusal into its response.
func refusing(_ body: () async throws(HTTPRefusal) -> Response) async -> Response {
    do {
        return try await body()
    } catch {
        return error.response
    }
}
