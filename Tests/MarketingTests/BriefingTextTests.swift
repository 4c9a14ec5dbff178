import Testing
import TriadEvents

@testable import Marketing

/// `triad briefing`'s text: money and percentages as the page speaks them, the models table with the
/// cells below target marked, the advice and whether it holds, the data-driven shares; and `--raw`
/// (figures: AttributionModelsBriefingTests).
@Suite struct BriefingTextTests {
    func briefing() throws -> Briefing {
        try AttributionModelsBriefingTests().briefing(markov: [
            AttributionModelsBriefingTests.markov(at: "2026-12-02T00:00:00Z", search: 6000)
        ])
    }

    @Test func theBoardReadsMoneyAndPercentages() throws {
        let lines = BriefingText(try briefing()).text.split(separator: "\n", omittingEmptySubsequences: false)
            .map(String.init)
        #expect(
            Array(lines.prefix(12)) == [
                "",
                "=== Executive briefing (EUR) ===",
                "campaign   status           budget        spend      revenue  conv       ROI   target  impr clicks",
                "a          live          10,000.00     3,000.00     9,000.00     1  200.00 %  20.00 %     0      0",
                "b          live          10,000.00     1,000.00     2,000.00     1  100.00 %  10.00 %     0      0",
                "c          live          10,000.00     6,000.00     3,000.00     1  −50.00 %  20.00 %     0      0",
                "d          live          10,000.00     2,000.00     2,000.00     1    0.00 %  30.00 %     0      0",
                "e          live          10,000.00     5,000.00     5,000.00     1    0.00 %  20.00 %     0      0",
                "f          live          10,000.00         0.00         0.10     1         –  20.00 %     0      0",
                "g          paused        10,000.00     1,000.00     9,000.00     1  800.00 %   0.00 %     0      0",
                "h          live          10,000.00     1,000.00     3,000.00     1  200.00 %  20.00 %     0      0",
                // 3,300,010 of revenue on 1,900,000 of spend: ROI 7,368.47 bps, floored.
                "total                    80,000.00    19,000.00    33,000.10     8   73.68 %",
            ])
        #expect(
            Array(lines[13...22]) == [
                "ROI by attribution model (* below the campaign's target):",
                "campaign   last-touch first-touch     linear time-decay position-based    target",
                "a           200.00 %    200.00 %    50.00 %    10.00 %*      100.00 %   20.00 %",
                "b           100.00 %     50.00 %    75.00 %    90.00 %        10.00 %   10.00 %",
                "c           −50.00 %*    16.66 %*  −16.67 %*  −25.00 %*        0.00 %*  20.00 %",
                "d             0.00 %*    50.00 %    30.00 %    25.00 %*       29.99 %*  30.00 %",
                "e             0.00 %*    −0.01 %*    0.00 %*    0.00 %*        0.00 %*  20.00 %",
                "f                  –           –          –          –              –   20.00 %",
                "g           800.00 %   −100.00 %* −100.00 %* −100.00 %*     −100.00 %*   0.00 %",
                "h           200.00 %           –          –          –              –   20.00 %",
            ])
        let advice: [String] = [
            "Recommendations (last touch):",
            "  scale              a          ROI 200.00 % meets the 20.00 % target with spend under 80 % of budget"
                + " — not robust: holds under last-touch, first-touch, linear, position-based",
            "  scale              b          ROI 100.00 % meets the 10.00 % target with spend under 80 % of budget",
            "  pause              c          ROI −50.00 % is negative with spend at or over 50 % of budget"
                + " — not robust: holds under last-touch, linear, time-decay",
            "  scale              h          ROI 200.00 % meets the 20.00 % target with spend under 80 % of budget"
                + " — not robust: holds under last-touch",
            "  retention-campaign young      10 customers at churn risk (threshold 10)",
            "Only under other models:",
            "  scale              d          holds under first-touch, linear",
            "  pause              e          holds under first-touch",
            "",
            "Data-driven attribution (markov) from 2026-11-02T00:00:00.000Z to 2026-12-02T00:00:00.000Z: "
                + "12 journeys, 3 conversions; shares of credit:",
            "campaign      markov last-touch first-touch    linear time-decay position-based",
            "a            40.00 %    25.00 %     25.00 %   25.00 %    25.00 %        25.00 %",
            "b            60.00 %     0.00 %      0.00 %    0.00 %     0.00 %         0.00 %",
            "c             0.00 %    75.00 %     75.00 %   75.00 %    75.00 %        75.00 %",
        ]
        #expect(Array(lines[27...]) == advice)
    }

    @Test func rawPrintsMinorUnitsAndBasisPoints() throws {
        let lines = BriefingText(try briefing(), raw: true).text.split(separator: "\n").map(String.init)
        let expected: [String] = [
            "=== Executive briefing (EUR, amounts in minor units, ratios in bps) ===",
            "campaign   status         budget      spend    revenue  conv  ROI bps  target  impr clicks",
            "c          live          1000000     600000     300000     1    -5000    2000     0      0",
            "f          live          1000000          0         10     1        -    2000     0      0",
            "total                    8000000    1900000    3300010     8     7368",
            "c              -5000*       1666*     -1667*     -2500*             0*     2000",
            "  pause              c          ROI -5000 bps is negative with spend at or over 50% of budget"
                + " — not robust: holds under last-touch, linear, time-decay",
            "b               6000          0           0         0          0              0",
        ]
        for line in expected {
            #expect(lines.contains(line), "\(line)")
        }
    }

    @Test func noDataDrivenSectionBeforeTheFirstComputation() throws {
        let text = BriefingText(try AttributionModelsBriefingTests().briefing()).text
        #expect(
            !text.contains("Data-driven") && text.hasSuffix("  pause              e          holds under first-touch"))
    }
}
