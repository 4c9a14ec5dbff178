import Testing
import TriadEvents

@testable import Marketing

/// The page's parts for the attribution models: the campaigns × models ROI table against each
/// target, the data-driven shares beside the rule-based ones as bars, the marks on advice that is
/// not robust and the advice only other models give (figures: AttributionModelsBriefingTests).
@Suite struct DashboardModelsTests {
    let t0 = Timestamp(iso8601: "2026-12-01T09:00:00Z")!

    func page(markov: Bool = true) throws -> DashboardViewModel {
        let markov = markov ? [AttributionModelsBriefingTests.markov(at: "2026-12-02T00:00:00Z", search: 6000)] : []
        return DashboardViewModel(try AttributionModelsBriefingTests().briefing(markov: markov), generatedAt: t0)
    }

    @Test func theRoiTableSetsEachCellAgainstTheTarget() throws {
        let page = try page()
        #expect(page.models == ["last-touch", "first-touch", "linear", "time-decay", "position-based"])
        let rows = Dictionary(uniqueKeysWithValues: page.roiByModel.map { ($0.campaignId, $0) })
        let a = try #require(rows["a"])
        #expect(a.cells.map(\.roi.text) == ["200.00 %", "200.00 %", "50.00 %", "10.00 %", "100.00 %"])
        #expect(a.cells.map(\.belowTarget) == [false, false, false, true, false])
        #expect(a.target.text == "20.00 %")
        let c = try #require(rows["c"])
        #expect(c.cells.map(\.roi.text) == ["−50.00 %", "16.66 %", "−16.67 %", "−25.00 %", "0.00 %"])
        #expect(c.cells.map(\.roi.negative) == [true, false, true, true, false])
        #expect(c.cells.map(\.belowTarget) == [true, true, true, true, true])
        let d = try #require(rows["d"])
        #expect(d.cells.map(\.belowTarget) == [true, false, false, true, true], "3,000 meets the 30.00 % target")
        let f = try #require(rows["f"])
        #expect(f.cells.map(\.roi.text) == ["–", "–", "–", "–", "–"])
        #expect(f.cells.map(\.belowTarget) == [false, false, false, false, false])
    }

    @Test func theDataDrivenSharesStandBesideTheRulesAsBars() throws {
        #expect(try page(markov: false).dataDriven == nil)
        let chart = try #require(try page().dataDriven)
        #expect(chart.from == "2026-11-02T00:00:00.000Z" && chart.to == "2026-12-02T00:00:00.000Z")
        #expect(chart.journeys == "12" && chart.conversions == "3" && chart.width == 48)
        #expect(chart.rows.map(\.campaignId) == ["a", "b", "c"])
        let names = ["markov"] + AttributionModel.allCases.map(\.rawValue)
        #expect(chart.rows.map { $0.shares.map(\.model) } == [names, names, names])
        #expect(chart.rows.map { $0.shares.filter(\.dataDriven).map(\.model) } == [["markov"], ["markov"], ["markov"]])
        // a: markov 40 % (48 × 0.4 = 19.2 → 19 px), every rule 25 % (12 px); b: 60 % and 0; c: 0 and 75 %.
        #expect(chart.rows.map { $0.shares[0].text } == ["40.00 %", "60.00 %", "0.00 %"])
        #expect(chart.rows.map { $0.shares[0].filled } == [19, 28, 0])
        #expect(chart.rows.map { $0.shares[3].text } == ["25.00 %", "0.00 %", "75.00 %"])
        #expect(chart.rows.map { $0.shares[3].filled } == [12, 0, 36])
    }

    @Test func adviceThatIsNotRobustIsMarkedAndSpeaksPercentages() throws {
        let page = try page()
        #expect(
            page.recommendations.map { "\($0.action) \($0.target) \($0.robust): \($0.reason) [\($0.holdsUnder)]" } == [
                "scale a false: ROI 200.00 % meets the 20.00 % target with spend under 80 % of budget "
                    + "[last-touch, first-touch, linear, position-based]",
                "scale b true: ROI 100.00 % meets the 10.00 % target with spend under 80 % of budget "
                    + "[last-touch, first-touch, linear, time-decay, position-based]",
                "pause c false: ROI −50.00 % is negative with spend at or over 50 % of budget "
                    + "[last-touch, linear, time-decay]",
                "scale h false: ROI 200.00 % meets the 20.00 % target with spend under 80 % of budget [last-touch]",
                "retention-campaign young true: 10 customers at churn risk (threshold 10) "
                    + "[last-touch, first-touch, linear, time-decay, position-based]",
            ])
        #expect(
            page.onlyUnderOtherModels.map { "\($0.action) \($0.target): \($0.holdsUnder)" } == [
                "scale d: first-touch, linear", "pause e: first-touch",
            ])
    }
}
