@testable import Marketing
import Testing
import TriadEvents

/// The board page: figures as the board reads them, every supplied text escaped, nothing fetched
/// from elsewhere.
@Suite struct DashboardPageTests {
    let desk = CampaignDesk()
    let t0 = Timestamp(iso8601: "2026-12-01T09:00:00Z")!

    func briefing() throws -> Briefing {
        var store = MarketingState()
        let planned = CampaignPlanned(
            campaignId: "c-<b>", name: "Winter <script>alert(1)</script> & \"more\"", channel: .social, segment: "young",
            requestedBudget: Currency.euro.money(1_200_000), startDate: CalendarDate("2026-10-01")!,
            endDate: CalendarDate("2026-12-31")!, targetRoiBps: 1500)
        _ = try desk.plan(planned, in: &store)
        _ = try desk.apply(
            .budgetApproved(BudgetApproved(campaignId: "c-<b>", approvedBudget: Currency.euro.money(1_200_000), quarter: Quarter("2026-Q4")!)),
            to: &store)
        _ = try desk.perform(.launch, on: "c-<b>", in: &store)
        // ROI +10 %, then −70 %: the trend falls below zero.
        _ = try desk.apply(
            .roiReported(RoiReported(campaignId: "c-<b>", spend: Currency.euro.total(100_000), revenue: Currency.euro.total(110_000), conversions: 1)),
            at: t0, to: &store)
        _ = try desk.apply(
            .roiReported(RoiReported(campaignId: "c-<b>", spend: Currency.euro.total(1_500_000), revenue: Currency.euro.total(450_001), conversions: 1)),
            at: t0.adding(milliseconds: 1000), to: &store)
        _ = try desk.apply(
            .envelopeChanged(
                EnvelopeChanged(
                    quarter: Quarter("2026-Q4")!, envelope: Currency.euro.money(5_000_000), reserved: Currency.euro.total(1_200_000),
                    released: Currency.euro.total(300_000), revision: 2)),
            to: &store)
        for index in 0..<3 {
            _ = try desk.apply(
                .churnRiskDetected(ChurnRiskDetected(customerId: "u\(index)", segment: "young", reason: .inactive, lastActivityAt: nil, detectedAt: t0)),
                to: &store)
        }
        return try Briefing.make(from: store, policy: BriefingPolicy(), currency: "EUR")
    }

    @Test func figuresReadAsTheBoardReadsThem() throws {
        let page = DashboardPage.html(try briefing(), generatedAt: t0)
        #expect(
            page.contains("<span data-figure=\"spend\">15,000.00 EUR</span> of <span data-figure=\"approved\">12,000.00 EUR</span>"),
            "spend against the approved budget, thousands separated")
        #expect(page.contains("4,500.01 EUR"))
        #expect(page.contains("<span class=\"negative\">−70.00 %</span>"), "a negative ROI is visibly negative")
        #expect(page.contains("<rect width=\"120\" height=\"10\" class=\"over\"/>"), "spend past the budget fills the bar in red")
        #expect(page.contains("aria-label=\"customers at churn risk by segment\""))
        #expect(page.contains("<meta http-equiv=\"refresh\" content=\"10\">"))
        #expect(page.contains("@media print{@page{size:A4"))
    }

    @Test func theEnvelopeAndTheRoiTrendAreDrawn() throws {
        let page = DashboardPage.html(try briefing(), generatedAt: t0)
        #expect(page.contains("<tr data-quarter=\"2026-Q4\">"))
        #expect(page.contains("<td data-figure=\"envelope\">50,000.00 EUR</td><td data-figure=\"reserved\">12,000.00 EUR</td>"))
        #expect(page.contains("<td data-figure=\"released\">3,000.00 EUR</td><td data-figure=\"left\">38,000.00 EUR</td>"))
        // Two points, +1,000 then −7,000 bps, target 1,500, zero between: scale 1,500 … −7,000 over 24 px.
        #expect(page.contains("aria-label=\"ROI of the last 2 reports\""))
        #expect(page.contains("<polyline points=\"2,3 118,26\" class=\"loss\"/>"), "\(page)")
    }

    @Test func aCampaignWithOneReportHasNoTrendYet() {
        #expect(DashboardPage.trendLine([RoiPoint(at: t0, roiBps: 100)], target: 0) == "<small>–</small>")
    }

    @Test func suppliedTextIsEscapedAndNothingComesFromElsewhere() throws {
        let page = DashboardPage.html(try briefing(), generatedAt: t0)
        #expect(!page.contains("<script"))
        #expect(page.contains("Winter &lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;more&quot;"))
        #expect(page.contains("c-&lt;b&gt;"))
        #expect(!page.contains("http://") && !page.contains("https://") && !page.contains(" src="), "no external asset")
    }

    @Test func moneyAndRatiosAreExact() {
        #expect(DashboardPage.money(123_456_789, "EUR") == "1,234,567.89 EUR")
        #expect(DashboardPage.money(-5, "EUR") == "−0.05 EUR")
        #expect(DashboardPage.money(1_000, "JPY") == "1,000 JPY")
        #expect(DashboardPage.money(Int64.min, "KWD") == "−9,223,372,036,854,775.808 KWD")
        #expect(DashboardPage.ratio(20_000) == "200.00 %")
        #expect(DashboardPage.ratio(-1) == "<span class=\"negative\">−0.01 %</span>")
        #expect(DashboardPage.ratio(nil) == "–")
    }
}
