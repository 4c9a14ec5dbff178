import Foundation
import HTTPTypes
import Marketing
import Testing
import TriadEvents

@testable import marketing_service

/// The board page as marketing serves it: the template lays the view model out, marks what is
/// negative or over budget, escapes every supplied text and fetches nothing from elsewhere.
@Suite struct DashboardTemplateTests {
    @Test func thePageDrawsTheFiguresAndEscapesWhatWasSupplied() async throws {
        let marketing = MarketingRouterTests()
        let service = try await marketing.service()
        let name = #"Winter <script>alert(1)</script> & \"more\""#
        try await service.test { client in
            let created = try await client.call(
                .post, "/campaigns", json: marketing.planBody("c-1", name: name, budget: 1_200_000))
            #expect(created.status == .created, "\(created.body)")
        }
        let q4 = Quarter("2026-Q4")!
        try await service.apply([
            .budgetApproved(
                BudgetApproved(campaignId: "c-1", approvedBudget: Currency.euro.money(1_200_000), quarter: q4))
        ])
        try await service.test { client in
            let launched = try await client.call(.post, "/campaigns/c-1/launch")
            #expect(launched.status == .ok, "\(launched.body)")
        }
        try await service.apply([
            // ROI +10 %, then −70 %: the trend falls below zero and spend passes the budget.
            .roiReported(
                RoiReported(
                    campaignId: "c-1", spend: Currency.euro.total(100_000), revenue: Currency.euro.total(110_000),
                    conversions: 1)),
            .roiReported(
                RoiReported(
                    campaignId: "c-1", spend: Currency.euro.total(1_500_000), revenue: Currency.euro.total(450_001),
                    conversions: 1)),
            .envelopeChanged(
                EnvelopeChanged(
                    quarter: q4, envelope: Currency.euro.money(5_000_000), reserved: Currency.euro.total(1_200_000),
                    released: Currency.euro.total(300_000), revision: 2)),
            .churnRiskDetected(
                ChurnRiskDetected(
                    customerId: "u-1", segment: "<young>", reason: .inactive, lastActivityAt: nil,
                    detectedAt: Timestamp(iso8601: "2026-12-01T09:00:00Z")!)),
        ])
        try await service.test { client in
            let page = try await client.call(.get, "/").body
            #expect(
                page.contains(
                    "<span data-figure=\"spend\">15,000.00 EUR</span> of <span data-figure=\"approved\">12,000.00 EUR</span>"
                ),
                "spend against the approved budget, thousands separated")
            #expect(page.contains("<td data-figure=\"revenue\">4,500.01 EUR</td>"))
            #expect(
                page.contains("<td class=\"below\" data-figure=\"roi\"><span class=\"negative\">−70.00 %</span></td>"),
                "a negative ROI is visibly negative")
            #expect(
                page.contains("<rect width=\"120\" height=\"10\" class=\"over\"/>"),
                "spend past the budget fills the bar in red")
            #expect(page.contains("<meta http-equiv=\"refresh\" content=\"10\">"))
            #expect(page.contains("@media print{@page{size:A4"))
            #expect(page.contains("<tr data-quarter=\"2026-Q4\">"))
            #expect(
                page.contains(
                    "<td data-figure=\"envelope\">50,000.00 EUR</td><td data-figure=\"reserved\">12,000.00 EUR</td>"))
            #expect(
                page.contains(
                    "<td data-figure=\"released\">3,000.00 EUR</td><td data-figure=\"left\">38,000.00 EUR</td>"))
            // Two points, +1,000 then −7,000 bps, target 15,000, zero between: scale 15,000 … −7,000 over 24 px.
            #expect(page.contains("aria-label=\"ROI of the last 2 reports\""))
            #expect(page.contains("<line x1=\"0\" x2=\"120\" y1=\"18\" y2=\"18\" class=\"zero\"/>"))
            #expect(page.contains("<polyline points=\"2,17 118,26\" class=\"loss\"/>"), "\(page)")
            #expect(page.contains("<text x=\"356\" y=\"15\" data-segment=\"&lt;young&gt;\">1</text>"))
            // A report from before the models: the advice holds under last touch only, and says so.
            #expect(
                page.contains(
                    "<li data-recommendation=\"pause\" data-robust=\"false\"><strong>pause c-1</strong>: ROI −70.00 % is "
                        + "negative with spend at or over 50 % of budget <small class=\"fragile\" data-figure=\"holds-under\">"
                        + "⚠ not robust: holds under last-touch</small></li>"))
            #expect(
                page.contains(
                    "<tr data-models=\"c-1\"><td>c-1</td><td class=\"below\" data-figure=\"roi-last-touch\">"
                        + "<span class=\"negative\">−70.00 %</span></td><td class=\"\" data-figure=\"roi-first-touch\">–</td>"
                ),
                "the models table: last touch below the target, no figure yet under the others")
            #expect(!page.contains("data-shares="), "no data-driven reading yet")

            #expect(!page.contains("<script"))
            #expect(page.contains("Winter &lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;more&quot;"))
            #expect(
                !page.contains("http://") && !page.contains("https://") && !page.contains(" src="), "no external asset")
        }
    }
}
