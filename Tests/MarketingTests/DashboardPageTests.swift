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
        _ = try desk.apply(
            .roiReported(RoiReported(campaignId: "c-<b>", spend: Currency.euro.money(1_500_000), revenue: Currency.euro.money(450_001), conversions: 1)),
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
        #expect(page.contains("15,000.00 EUR of 12,000.00 EUR"), "spend against the approved budget, thousands separated")
        #expect(page.contains("4,500.01 EUR"))
        #expect(page.contains("<span class=\"negative\">−70.00 %</span>"), "a negative ROI is visibly negative")
        #expect(page.contains("<rect width=\"120\" height=\"10\" class=\"over\"/>"), "spend past the budget fills the bar in red")
        #expect(page.contains("aria-label=\"customers at churn risk by segment\""))
        #expect(page.contains("<meta http-equiv=\"refresh\" content=\"10\">"))
        #expect(page.contains("@media print{@page{size:A4"))
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
