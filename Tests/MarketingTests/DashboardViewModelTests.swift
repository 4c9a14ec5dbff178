import Testing
import TriadEvents

@testable import Marketing

/// The board page's view model: figures as the board reads them, the charts' geometry, which rows
/// and marks show. (The page's markup and escaping: RouterTests' DashboardTemplateTests.)
@Suite struct DashboardViewModelTests {
    let desk = CampaignDesk()
    let t0 = Timestamp(iso8601: "2026-12-01T09:00:00Z")!

    func briefing() throws -> Briefing {
        var store = MarketingState()
        let planned = CampaignPlanned(
            campaignId: "c-<b>", name: "Winter <script>alert(1)</script> & \"more\"", channel: .social,
            segment: "young",
            requestedBudget: Currency.euro.money(1_200_000), startDate: CalendarDate("2026-10-01")!,
            endDate: CalendarDate("2026-12-31")!, targetRoiBps: 1500)
        _ = try desk.plan(planned, in: &store)
        _ = try desk.apply(
            .budgetApproved(
                BudgetApproved(
                    campaignId: "c-<b>", approvedBudget: Currency.euro.money(1_200_000), quarter: Quarter("2026-Q4")!)),
            to: &store)
        _ = try desk.perform(.launch, on: "c-<b>", in: &store)
        // ROI +10 %, then −70 %: the trend falls below zero.
        _ = try desk.apply(
            .roiReported(
                RoiReported(
                    campaignId: "c-<b>", spend: Currency.euro.total(100_000), revenue: Currency.euro.total(110_000),
                    conversions: 1)),
            at: t0, to: &store)
        _ = try desk.apply(
            .roiReported(
                RoiReported(
                    campaignId: "c-<b>", spend: Currency.euro.total(1_500_000), revenue: Currency.euro.total(450_001),
                    conversions: 1)),
            at: t0.adding(milliseconds: 1000), to: &store)
        _ = try desk.apply(
            .envelopeChanged(
                EnvelopeChanged(
                    quarter: Quarter("2026-Q4")!, envelope: Currency.euro.money(5_000_000),
                    reserved: Currency.euro.total(1_200_000),
                    released: Currency.euro.total(300_000), revision: 2)),
            to: &store)
        for index in 0..<3 {
            _ = try desk.apply(churnRiskDetected("u\(index)", "young", at: t0, reason: .inactive), to: &store)
        }
        return try Briefing.make(from: store, policy: BriefingPolicy(), currency: "EUR")
    }

    @Test func figuresReadAsTheBoardReadsThem() throws {
        let page = DashboardViewModel(try briefing(), generatedAt: t0)
        #expect(page.refreshSeconds == 10 && page.generatedAt == "2026-12-01T09:00:00.000Z")
        let row = try #require(page.campaigns.first)
        #expect(row.spend == "15,000.00 EUR" && row.approved == "12,000.00 EUR", "thousands separated")
        #expect(row.revenue == "4,500.01 EUR")
        #expect(row.roi == DashboardViewModel.Figure("−70.00 %", negative: true), "a negative ROI is visibly negative")
        #expect(row.belowTarget && row.target.text == "15.00 %")
        #expect(row.bar.over && row.bar.filled == row.bar.width, "spend past the budget fills the bar in red")
        #expect(
            page.totals.map(\.figure) == [
                "spend", "approved", "revenue", "roi", "roas", "cost-per-order", "conversions",
            ])
        #expect(page.churnChart?.rows.map(\.count) == ["3"])
        // Supplied text stays as supplied: the template escapes it.
        #expect(row.name == "Winter <script>alert(1)</script> & \"more\"" && row.campaignId == "c-<b>")
    }

    @Test func theEnvelopeAndTheRoiTrendAreDrawn() throws {
        let page = DashboardViewModel(try briefing(), generatedAt: t0)
        let envelope = try #require(page.envelopes.first)
        #expect(envelope.quarter == "2026-Q4")
        #expect(envelope.envelope == "50,000.00 EUR" && envelope.reserved == "12,000.00 EUR")
        #expect(envelope.released == "3,000.00 EUR" && envelope.left == "38,000.00 EUR")
        // Two points, +1,000 then −7,000 bps, target 1,500, zero between: scale 1,500 … −7,000 over 24 px.
        let trend = try #require(page.campaigns.first?.trend)
        #expect(trend.reports == 2 && trend.loss)
        #expect(trend.points == [.init(x: 2, y: 3), .init(x: 118, y: 26)])
        #expect(trend.targetY == 2 && trend.zeroY == 6)
    }

    @Test func aCampaignWithOneReportHasNoTrendYet() {
        #expect(DashboardViewModel.Trend([RoiPoint(at: t0, roiBps: 100)], target: 0) == nil)
    }

    @Test func theChurnChartScalesToTheLargestSegment() {
        #expect(DashboardViewModel.ChurnChart([:]) == nil && DashboardViewModel.ChurnChart(["a": 0]) == nil)
        let chart = DashboardViewModel.ChurnChart(["a": 1, "b": 4])
        #expect(chart?.rows.map(\.segment) == ["b", "a"])
        #expect(chart?.rows.map(\.barWidth) == [240, 60])
        #expect(chart?.rows.map(\.countX) == [356, 176])
    }

    @Test func moneyAndRatiosAreExact() {
        #expect(BoardFigures.money(123_456_789, "EUR") == "1,234,567.89 EUR")
        #expect(BoardFigures.money(-5, "EUR") == "−0.05 EUR")
        #expect(BoardFigures.money(1_000, "JPY") == "1,000 JPY")
        #expect(BoardFigures.money(Int64.min, "KWD") == "−9,223,372,036,854,775.808 KWD")
        #expect(DashboardViewModel.ratio(20_000) == DashboardViewModel.Figure("200.00 %"))
        #expect(DashboardViewModel.ratio(-1) == DashboardViewModel.Figure("−0.01 %", negative: true))
        #expect(DashboardViewModel.ratio(nil) == DashboardViewModel.Figure("–"))
    }
}
