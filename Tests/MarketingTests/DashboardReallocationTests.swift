import Testing
import TriadEvents

@testable import Marketing

/// The page's reallocation chart, acquisition tiles and projections (figures:
/// `ReallocationBriefingTests`): current and proposed bars to one scale, gains and reasons, money
/// and percentages as the board reads them.
@Suite struct DashboardReallocationTests {
    let t0 = Timestamp(iso8601: "2026-12-01T09:00:00Z")!

    func page() throws -> DashboardViewModel {
        DashboardViewModel(try ReallocationBriefingTests().briefing(), generatedAt: t0)
    }

    @Test func theSplitIsDrawnAsCurrentAgainstProposedBars() throws {
        let chart = try #require(try page().reallocation)
        #expect(chart.quarter == "2027-Q1" && chart.model == "last-touch" && chart.revision == "2")
        #expect(chart.envelope == "1,000,000.00 EUR" && chart.gain == DashboardViewModel.Figure("54,000.00 EUR"))
        #expect(chart.rows.map(\.channel) == ["search", "social", "email"])
        #expect(chart.rows.map(\.currentShare) == ["60.00 %", "30.00 %", "10.00 %"])
        #expect(chart.rows.map(\.current) == ["600,000.00 EUR", "300,000.00 EUR", "100,000.00 EUR"])
        #expect(chart.rows.map(\.proposed) == ["420,000.00 EUR", "480,000.00 EUR", "100,000.00 EUR"])
        // The largest amount (search's current 600,000.00) fills 160 px: 420,000.00 → 112, 480,000.00 → 128,
        // 300,000.00 → 80, 100,000.00 → 26 (26.67 floored).
        #expect(chart.width == 160)
        #expect(chart.rows.map(\.currentWidth) == [160, 80, 26])
        #expect(chart.rows.map(\.proposedWidth) == [112, 128, 26])
        #expect(
            chart.rows.map(\.gain) == [
                DashboardViewModel.Figure("−144,000.00 EUR", negative: true),
                DashboardViewModel.Figure("198,000.00 EUR"),
                DashboardViewModel.Figure("–"),
            ])
        #expect(chart.rows.map(\.marginalRoas.text) == ["90.00 %", "135.00 %", "–"])
        #expect(chart.rows.map(\.reason) == ["bounded", "gains", "not-enough-history"])
    }

    @Test func theAcquisitionTilesReadAsTheBoardReadsThem() throws {
        let acquisition = try #require(try page().acquisition)
        #expect(acquisition.quarter == "2026-Q4")
        #expect(acquisition.tiles.map(\.figure) == ["new-customers", "cac", "cost-per-order", "mer"])
        #expect(acquisition.tiles.map(\.value.text) == ["3", "6,333.33 EUR", "2,375.00 EUR", "173.68 %"])
    }

    @Test func eachCampaignShowsItsProjectionBesideItsTarget() throws {
        let rows = Dictionary(uniqueKeysWithValues: try page().campaigns.map { ($0.campaignId, $0) })
        let curve = try #require(rows["c-1"]?.projection)
        #expect(
            curve.roi == DashboardViewModel.Figure("50.00 %") && curve.projectedRevenue == "15,000.00 EUR"
                && curve.curve)
        let none = try #require(rows["c-2"]?.projection)
        #expect(
            none.roi.text == "–" && none.projectedRevenue == nil && none.reason == "not-enough-history" && !none.curve)
        #expect(rows["c-3"]?.projection == nil)
        #expect(rows["c-1"]?.target.text == "20.00 %")
    }

    @Test func noChartAndNoTilesBeforeFinanceReports() throws {
        let page = DashboardViewModel(
            try Briefing.make(from: MarketingState(), policy: BriefingPolicy(), currency: "EUR"), generatedAt: t0)
        #expect(page.reallocation == nil && page.acquisition == nil)
    }
}
