import Finance
import Foundation
import Testing
import TriadEvents

/// The response curve fitted on hand-worked weeks: exact α and β, the clamping, and when there is
/// not enough history.
@Suite struct ResponseCurveTests {
    func weeks(_ points: [(Int64, Int64)]) -> [ResponseCurve.Week] {
        points.map { ResponseCurve.Week(spendMinor: $0.0, revenueMinor: $0.1) }
    }

    func expectClose(_ value: Double?, _ expected: Double, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(
            value.map { abs($0 - expected) <= 1e-9 } == true, "\(String(describing: value)) ≠ \(expected)",
            sourceLocation: sourceLocation)
    }

    /// R = 3·√S at S = 100, 400, 900, 1600: R = 30, 60, 90, 120 exactly, so α = 0.5 and β = 3.
    @Test func pointsOnACurveGiveItBack() {
        let curve = ResponseCurve(fitting: weeks([(100, 30), (400, 60), (900, 90), (1600, 120)]))
        expectClose(curve?.alpha, 0.5)
        expectClose(curve?.beta, 3)
        expectClose(curve?.revenue(at: 2500), 150)
        expectClose(curve?.marginalRoas(at: 900), 0.05)  // α·R/S = 0.5 · 90 / 900
        #expect(ResponseCurve(alpha: 0.5, beta: 3).marginalRoasBps(at: 900) == 500)
    }

    /// Two weeks at 100 (revenue 20 and 40) and two at 400 (80 and 80): the slope joins the
    /// geometric means, log(80 / √800) / log 4 = log 2^1.5 / log 2^2 = 0.75; the intercept passes
    /// through the centre, β = (20·40·80·80)^¼ / (100·400)^(0.75/2) = 2^3.25·5 / (2^2.25·5^1.5) = 2/√5.
    @Test func scatteredWeeksGiveTheLeastSquaresLine() {
        let curve = ResponseCurve(fitting: weeks([(100, 20), (400, 80), (100, 40), (400, 80)]))
        expectClose(curve?.alpha, 0.75)
        expectClose(curve?.beta, 2 / 5.0.squareRoot())
        expectClose(curve?.revenue(at: 100), 800.0.squareRoot())
    }

    /// R = S²/100 would be increasing returns (α = 2): α is clamped to 1, and β refitted for it as the
    /// mean of log(R/S), the geometric mean of R/S = 1, 2, 3, 4: 24^¼.
    @Test func anIncreasingFitClampsToOne() {
        let curve = ResponseCurve(fitting: weeks([(100, 100), (200, 400), (300, 900), (400, 1600)]))
        #expect(curve?.alpha == 1)
        expectClose(curve?.beta, pow(24, 0.25))
        expectClose(curve?.marginalRoas(at: 12_345), pow(24, 0.25))
    }

    /// Revenue that does not move with spend (α = 0) is clamped to 0.05, β refitted through the
    /// centre: 1000 / (geometric mean of spend)^0.05, that mean being 100·24^¼.
    @Test func aFlatFitClampsToFivePercent() {
        let curve = ResponseCurve(fitting: weeks([(100, 1000), (200, 1000), (300, 1000), (400, 1000)]))
        #expect(curve?.alpha == 0.05)
        expectClose(curve?.beta, 1000 / pow(100 * pow(24, 0.25), 0.05))
        // A falling fit clamps the same way.
        #expect(ResponseCurve(fitting: weeks([(100, 900), (200, 800), (300, 700), (400, 600)]))?.alpha == 0.05)
    }

    /// R_week = 3·√S over 4 weeks: β′ = 3·4^0.5 = 6, and 400 spread as 100 a week brings
    /// 120 = 4·R_week(100) = 4·30; the marginal ROAS at 400 is 0.5·120/400 = 0.15, R_week′(100) = 0.15.
    /// α = 1 scales nothing; a quarter of 90 days is 90/7 weeks.
    @Test func overWeeksIsTheSpendSpreadEvenly() {
        let weekly = ResponseCurve(alpha: 0.5, beta: 3)
        let month = weekly.over(weeks: 4)
        #expect(month == ResponseCurve(alpha: 0.5, beta: 6))
        #expect(month.revenue(at: 400) == 120 && 4 * weekly.revenue(at: 100) == 120)
        #expect(month.marginalRoas(at: 400) == 0.15 && weekly.marginalRoas(at: 100) == 0.15)
        #expect(month.revenueMinor(at: 400) == 120 && month.marginalRoasBps(at: 400) == 1500)
        #expect(weekly.over(weeks: 1) == weekly)
        #expect(ResponseCurve(alpha: 1, beta: 3).over(weeks: 90.0 / 7) == ResponseCurve(alpha: 1, beta: 3))
        // 1,000·√S a week over 90/7 weeks at 2,800,000: 90/7 · 1,000·√(2,800,000 · 7/90) = 1,000·√36,000,000.
        expectClose(ResponseCurve(alpha: 0.5, beta: 1000).over(weeks: 90.0 / 7).revenue(at: 2_800_000) / 1e6, 6)
    }

    @Test func notEnoughHistory() {
        #expect(ResponseCurve(fitting: weeks([(100, 30), (400, 60), (900, 90)])) == nil)
        // Weeks without spend or without revenue do not count.
        #expect(ResponseCurve(fitting: weeks([(100, 30), (400, 60), (900, 90), (1600, 0), (0, 50)])) == nil)
        // Spend that did not vary: the largest week under 1.2 × the smallest.
        #expect(ResponseCurve(fitting: weeks([(1000, 30), (1199, 60), (1100, 90), (1000, 120)])) == nil)
        #expect(ResponseCurve(fitting: weeks([(500, 30), (500, 60), (500, 90), (500, 120)])) == nil)
        #expect(ResponseCurve(fitting: []) == nil)
        // Exactly 1.2 × is enough.
        #expect(ResponseCurve(fitting: weeks([(1000, 30), (1200, 60), (1100, 90), (1000, 120)])) != nil)
        // Figures as large as 64 bits hold are compared exactly.
        #expect(ResponseCurve(fitting: weeks([(.max / 6 * 5, 1), (.max, 2), (.max, 3), (.max, 4)])) != nil)
    }

    /// Revenue in minor units rounds to the nearest, halves down; marginal ROAS in basis points rounds down.
    @Test func roundedFigures() {
        let half = ResponseCurve(alpha: 1, beta: 0.5)
        #expect(half.revenueMinor(at: 3) == 1)  // 1.5
        #expect(half.revenueMinor(at: 5) == 2)  // 2.5
        #expect(ResponseCurve(alpha: 1, beta: 0.6).revenueMinor(at: 1) == 1)  // 0.6
        #expect(ResponseCurve(alpha: 1, beta: 0.4).revenueMinor(at: 1) == 0)  // 0.4
        #expect(half.revenueMinor(at: 0) == 0)
        #expect(ResponseCurve(alpha: 1, beta: 1e6).revenueMinor(at: Money.maximumMinor) == Money.maximumMinor)
        #expect(ResponseCurve(alpha: 1, beta: 0.8).marginalRoasBps(at: 123) == 8000)
        #expect(ResponseCurve(alpha: 1, beta: 0.8).marginalRoasBps(at: 0) == 8000)
        #expect(ResponseCurve(alpha: 0.5, beta: 3).marginalRoasBps(at: 0) == .max)
        #expect(ResponseCurve(alpha: 0.5, beta: 3).marginalRoasBps(at: 899) == 500)  // 0.0500278 → 500
    }
}
