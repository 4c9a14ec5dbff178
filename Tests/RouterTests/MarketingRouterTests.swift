import Foundation
import HTTPTypes
import Marketing
import Testing
import TriadEvents
import TriadRuntime
import TriadStorage

@testable import marketing_service

/// Marketing's routes in-process, and what every service's router shares (health, metrics, the
/// error shape, the bearer token).
@Suite struct MarketingRouterTests {
    func service(environment: [String: String] = [:]) async throws -> RouterUnderTest {
        try await RouterUnderTest(
            .marketing, MarketingService.definition(briefing: BriefingPolicy()), environment: environment)
    }

    func planBody(_ id: String, name: String = "Winter sale", channel: String = "search", budget: Int64 = 500_000)
        -> String
    {
        """
        {"id": "\(id)", "name": "\(name)", "channel": "\(channel)", "segment": "young",
         "requestedBudget": {"amountMinor": \(budget), "currency": "EUR"}, "startDate": "2026-11-01",
         "endDate": "2026-12-31", "targetRoiBps": 15000}
        """
    }

    @Test func planningACampaignStoresItAndItsEvent() async throws {
        let service = try await service()
        try await service.test { client in
            let created = try await client.call(.post, "/campaigns", json: planBody("c-a"))
            #expect(created.status == .created, "\(created.body)")
            #expect(try await service.outboxRows() == 1)
            let campaign = try await client.object("/campaigns/c-a")
            #expect(campaign["status"] as? String == "planned" && campaign["name"] as? String == "Winter sale")

            let again = try await client.refusal(.post, "/campaigns", json: planBody("c-a"))
            #expect(again.status == .conflict && again.field == "id")
            let badChannel = try await client.refusal(.post, "/campaigns", json: planBody("c-b", channel: "radio"))
            #expect(
                badChannel.status == .badRequest && badChannel.code == "invalid-data" && badChannel.field == "channel")
            let malformed = try await client.refusal(.post, "/campaigns", json: "{\"id\": ")
            #expect(malformed.status == .badRequest && malformed.code == "invalid-request" && malformed.field == nil)
            let tooLarge = try await client.refusal(
                .post, "/campaigns", json: planBody("c-c", name: String(repeating: "x", count: 70_000)))
            #expect(tooLarge.status == .contentTooLarge && tooLarge.code == "payload-too-large")
            let badCorrelation = try await client.call(
                .post, "/campaigns", json: planBody("c-d"),
                headers: [HTTPField.Name("X-Correlation-ID")!: String(repeating: "x", count: 1000)])
            #expect(badCorrelation.status == .badRequest && badCorrelation.body.contains("X-Correlation-ID"))
            // Nothing refused reached the outbox.
            #expect(try await service.outboxRows() == 1)
        }
    }

    @Test func commandsFollowTheStateMachine() async throws {
        let service = try await service()
        try await service.test { client in
            #expect(try await client.call(.post, "/campaigns", json: planBody("c-a")).status == .created)
            let early = try await client.refusal(.post, "/campaigns/c-a/launch")
            #expect(early.status == .conflict && early.code == "refused-transition" && early.field == "status")
            let unknown = try await client.refusal(.post, "/campaigns/c-none/launch")
            #expect(unknown.status == .notFound && unknown.field == "id")
        }
        try await service.apply([
            .budgetApproved(
                BudgetApproved(
                    campaignId: "c-a", approvedBudget: Money(amountMinor: 500_000, currency: "EUR"),
                    quarter: Quarter("2026-Q4")!))
        ])
        try await service.test { client in
            for (command, status) in [
                ("launch", "live"), ("pause", "paused"), ("resume", "live"), ("complete", "completed"),
            ] {
                let answer = try await client.call(.post, "/campaigns/c-a/\(command)")
                #expect(answer.status == .ok, "\(command): \(answer.body)")
                #expect(try await client.object("/campaigns/c-a")["status"] as? String == status)
            }
        }
    }

    @Test func theCampaignListPagesAndIdsArePercentDecoded() async throws {
        let service = try await service()
        try await service.test { client in
            for id in ["c-a", "c-b", "c/c"] {
                #expect(try await client.call(.post, "/campaigns", json: planBody(id)).status == .created)
            }
            let walked = try await client.walk("/campaigns", limit: 2)
            #expect(walked.pages == [2, 1])
            #expect(walked.items.compactMap { $0["id"] as? String } == ["c-a", "c-b", "c/c"])
            #expect(try await client.object("/campaigns/c%2Fc")["id"] as? String == "c/c")
            #expect(try await client.refusal(.get, "/campaigns?after=zz").field == "after")
        }
    }

    @Test func theBriefingAndItsPageShowTheReportedFigures() async throws {
        let service = try await service()
        try await service.test { client in
            let created = try await client.call(.post, "/campaigns", json: planBody("c-a", name: "<Winter & sale>"))
            #expect(created.status == .created)
        }
        let eur = { (minor: Int64) in Money(amountMinor: minor, currency: "EUR") }
        try await service.apply([
            .budgetApproved(
                BudgetApproved(campaignId: "c-a", approvedBudget: eur(500_000), quarter: Quarter("2026-Q4")!)),
            .roiReported(
                RoiReported(
                    campaignId: "c-a", spend: Currency.euro.total(100_000), revenue: Currency.euro.total(250_000),
                    conversions: 5)),
        ])
        try await service.test { client in
            let briefing = try await client.object("/briefing")
            let totals = try #require(briefing["totals"] as? [String: Any])
            #expect((totals["spend"] as? [String: Any])?["amountMinor"] as? Int == 100_000)
            #expect((totals["revenue"] as? [String: Any])?["amountMinor"] as? Int == 250_000)
            #expect(totals["roiBps"] as? Int == 15_000)

            let page = try await client.call(.get, "/")
            #expect(page.status == .ok)
            #expect(page.headers[.contentType] == "text/html; charset=utf-8")
            #expect(page.body.contains("&lt;Winter &amp; sale&gt;") && !page.body.contains("<Winter"))
            #expect(page.body.contains("<svg"))
        }
    }

    /// Foundation's JSONEncoder would write one member for two segment names Unicode calls equivalent.
    @Test func theBriefingJSONKeepsEachSegmentSpelling() async throws {
        let service = try await service()
        let (nfc, nfd) = ("caf\u{E9}", "cafe\u{301}")
        let at = Timestamp(iso8601: "2026-11-01T00:00:00Z")!
        try await service.apply([
            .churnRiskDetected(
                ChurnRiskDetected(
                    customerId: "u-1", segment: nfc, reason: .unsubscribed, lastActivityAt: nil, detectedAt: at)),
            .churnRiskDetected(
                ChurnRiskDetected(
                    customerId: "u-2", segment: nfd, reason: .unsubscribed, lastActivityAt: nil, detectedAt: at)),
            .churnRiskDetected(
                ChurnRiskDetected(
                    customerId: "u-3", segment: nfd, reason: .unsubscribed, lastActivityAt: nil, detectedAt: at)),
        ])
        try await service.test { client in
            let body = Array(try await client.call(.get, "/briefing").body.utf8)
            for (segment, count) in [(nfc, 1), (nfd, 2)] {
                let member = Array("\"\(segment)\" : \(count)".utf8)
                #expect(
                    body.indices.contains { body[$0...].starts(with: member) },
                    "\(Array(segment.utf8)) counted \(count)")
            }
        }
    }

    @Test func theBriefingKeepsABoundedRoiTrendAndTheNewestEnvelope() async throws {
        let service = try await service()
        try await service.test { client in
            let created = try await client.call(.post, "/campaigns", json: planBody("c-a"))
            #expect(created.status == .created)
        }
        let eur = { (minor: Int64) in Money(amountMinor: minor, currency: "EUR") }
        // 30 reports, two per batch: revenue grows by 100.00 a report on 1,000.00 of spend.
        for batch in 0..<15 {
            try await service.apply(
                (0..<2).map { step in
                    let report = Int64(batch * 2 + step + 1)
                    return .roiReported(
                        RoiReported(
                            campaignId: "c-a", spend: Currency.euro.total(100_000),
                            revenue: Currency.euro.total(report * 10_000), conversions: report))
                })
        }
        let q4 = Quarter("2026-Q4")!
        let envelope = { (reserved: Int64, released: Int64, revision: Int64) in
            DomainEvent.envelopeChanged(
                EnvelopeChanged(
                    quarter: q4, envelope: eur(10_000_000), reserved: Currency.euro.total(reserved),
                    released: Currency.euro.total(released), revision: revision))
        }
        // Revision 3 arrives before 2: the older copy changes nothing, in one batch or the next.
        try await service.apply([envelope(4_000_000, 0, 1), envelope(3_000_000, 1_000_000, 3)])
        try await service.apply([envelope(5_000_000, 0, 2)])
        try await service.test { client in
            let briefing = try await client.object("/briefing")
            let line = try #require((briefing["campaigns"] as? [[String: Any]])?.first)
            let trend = (line["roiTrend"] as? [[String: Any]] ?? []).compactMap { $0["roiBps"] as? Int }
            // The newest 24 of 30: reports 7…30, ROI (revenue − spend) / spend.
            #expect(trend == (7...30).map { ($0 * 10_000 - 100_000) * 10_000 / 100_000 })
            let envelopes = try #require(briefing["envelopes"] as? [[String: Any]])
            #expect(envelopes.count == 1 && envelopes.first?["quarter"] as? String == "2026-Q4")
            #expect((envelopes.first?["reserved"] as? [String: Any])?["amountMinor"] as? Int == 3_000_000)
            #expect((envelopes.first?["released"] as? [String: Any])?["amountMinor"] as? Int == 1_000_000)
            #expect((envelopes.first?["remaining"] as? [String: Any])?["amountMinor"] as? Int == 7_000_000)
        }
        let stored = try await service.database.read {
            try $0.query("SELECT COUNT(*) FROM mkt_roi_history").first?[0].integer
        }
        #expect(stored == Int64(RoiPoint.historyLimit))
    }

    @Test func healthMetricsAndErrorsAreTheSameEverywhere() async throws {
        let service = try await service()
        try await service.test(ready: false) { client in
            #expect(try await client.call(.get, "/health/live").status == .ok)
            #expect(try await client.call(.get, "/health/ready").status == .serviceUnavailable)
            let unknown = try await client.refusal(.get, "/nowhere")
            #expect(unknown.status == .notFound && unknown.code == "not-found")
            let wrongMethod = try await client.refusal(.delete, "/campaigns")
            #expect([.notFound, .methodNotAllowed].contains(wrongMethod.status))
            // Requests are counted by Hummingbird's MetricsMiddleware into the process's metrics system,
            // which a test process does not bootstrap: CampaignFlowTests reads those of a real service.
            let metrics = try await client.call(.get, "/metrics")
            #expect(metrics.status == .ok && metrics.headers[.contentType] == "text/plain; version=0.0.4")
        }
        try await service.test { client in
            let ready = try await client.object("/health/ready")
            #expect(ready["status"] as? String == "ready")
        }
    }

    @Test func aTokenGuardsChangesAndLeavesReadsAndHealthOpen() async throws {
        let token = "a-token-of-twenty-chars"
        let service = try await service(environment: ["TRIAD_API_TOKEN": token])
        try await service.test { client in
            let refused = try await client.refusal(.post, "/campaigns", json: planBody("c-a"))
            #expect(refused.status == .unauthorized && refused.field == "Authorization")
            let allowed = try await client.call(
                .post, "/campaigns", json: planBody("c-a"), headers: [.authorization: "Bearer \(token)"])
            #expect(allowed.status == .created)
            #expect(try await client.call(.get, "/campaigns").status == .ok)
            #expect(try await client.call(.get, "/health/live").status == .ok)
        }
    }
}
