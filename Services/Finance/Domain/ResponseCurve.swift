import Foundation
import TriadEvents

/// A channel's measured response of attributed revenue to spend, R(S) = β·S^α, fitted by least
/// squares on log R = log β + α·log S over its weeks (both in minor units). α is kept in [0.05, 1]:
/// returns diminish and never increase. The fit and the curve's values are Double; the figures it
/// gives out (`revenueMinor`, `marginalRoasBps`) are rounded as each says.
public struct ResponseCurve: Sendable, Equatable {
    /// One week of a channel: what it spent and the revenue attributed to it, in minor units.
    public struct Week: Sendable, Equatable {
        public var spendMinor: Int64
        public var revenueMinor: Int64

        public init(spendMinor: Int64, revenueMinor: Int64) {
            self.spendMinor = spendMinor
            self.revenueMinor = revenueMinor
        }
    }

    /// The elasticity: revenue grows by α % for one more percent of spend.
    public let alpha: Double
    /// The scale: revenue at a spend of one minor unit.
    public let beta: Double

    public init(alpha: Double, beta: Double) {
        self.alpha = alpha
        self.beta = beta
    }

    /// The weeks a fit needs, counting only those with spend and revenue above zero.
    public static let minimumWeeks = 4
    /// The range α is clamped to.
    public static let alphaRange = 0.05...1.0

    /// The fit over `weeks`, or nil ("not enough history") unless at least `minimumWeeks` of them
    /// have spend and revenue above zero and, among those, the largest spend is at least 1.2 times
    /// the smallest (a spend that hardly varied says nothing about the slope). Weeks with either
    /// figure at zero are left out.
    ///
    /// α is the least-squares slope of log R on log S, clamped to `alphaRange`. β is then the
    /// least-squares intercept for that α: log β = mean(log R − α·log S). Unclamped this is the
    /// ordinary fit; clamped, it is the best curve with the clamped slope, not the unclamped
    /// intercept (which would miss the data's centre).
    public init?(fitting weeks: [Week]) {
        let points = weeks.filter { $0.spendMinor > 0 && $0.revenueMinor > 0 }
        guard points.count >= Self.minimumWeeks, let smallest = points.map(\.spendMinor).min(),
            let largest = points.map(\.spendMinor).max(), Int128(largest) * 5 >= Int128(smallest) * 6
        else { return nil }
        let x = points.map { log(Double($0.spendMinor)) }
        let y = points.map { log(Double($0.revenueMinor)) }
        let n = Double(points.count)
        let meanX = x.reduce(0, +) / n
        let meanY = y.reduce(0, +) / n
        var sxx = 0.0
        var sxy = 0.0
        for (xi, yi) in zip(x, y) {
            sxx += (xi - meanX) * (xi - meanX)
            sxy += (xi - meanX) * (yi - meanY)
        }
        // sxx > 0: the spends differ by at least a factor 1.2.
        let alpha = min(max(sxy / sxx, Self.alphaRange.lowerBound), Self.alphaRange.upperBound)
        self.init(alpha: alpha, beta: exp(meanY - alpha * meanX))
    }

    /// The curve of a spend spread evenly over `weeks` weeks, for a period longer (or shorter) than the
    /// single weeks this curve was fitted on: S over n weeks is S/n a week, so it brings
    /// n·R(S/n) = β·n^(1−α)·S^α — the same α with β′ = β·n^(1−α). n is a Double (> 0, finite) because
    /// periods need not be whole weeks: a quarter of 90 days is 90/7 weeks. A weekly curve used at a
    /// quarter's amount instead would be off by that factor n^(1−α) in revenue and marginal ROAS.
    public func over(weeks: Double) -> ResponseCurve {
        precondition(weeks > 0 && weeks.isFinite)
        return ResponseCurve(alpha: alpha, beta: beta * pow(weeks, 1 - alpha))
    }

    /// R(S) = β·S^α; 0 at a spend of 0.
    public func revenue(at spend: Double) -> Double { spend > 0 ? beta * pow(spend, alpha) : 0 }

    /// The revenue one more minor unit brings at `spend`: R′(S) = α·R(S)/S. At a spend of 0 (or
    /// below) it is β for α = 1 and infinite for a smaller α.
    public func marginalRoas(at spend: Double) -> Double {
        spend > 0 ? alpha * revenue(at: spend) / spend : (alpha == 1 ? beta : .infinity)
    }

    /// R at `spendMinor`, rounded to the nearest minor unit with halves rounded down, and at most
    /// `Money.maximumMinor` (one amount's bound on the wire).
    public func revenueMinor(at spendMinor: Int64) -> Int64 {
        let value = revenue(at: Double(spendMinor))
        let floor = value.rounded(.down)
        let rounded = value - floor > 0.5 ? floor + 1 : floor
        return rounded >= Double(Money.maximumMinor) ? Money.maximumMinor : Int64(rounded)
    }

    /// The marginal ROAS at `spendMinor` in basis points (10,000 = one minor unit back for the
    /// next one spent), rounded down, and at most `Int64.max` (a spend of 0 has an infinite one).
    public func marginalRoasBps(at spendMinor: Int64) -> Int64 {
        let value = (marginalRoas(at: Double(spendMinor)) * 10_000).rounded(.down)
        return value >= 0x1p63 ? .max : Int64(value)
    }
}
