import TriadEvents

/// Apportions an integer total (10,000 basis points, an order's revenue in minor units) over
/// campaigns in proportion to their weights, by largest remainder: every share is floored, then the
/// units left are handed one by one to the largest fractional parts, ties to the smaller campaign id
/// (by bytes). The parts sum to exactly the total.
///
/// The answer names every campaign of positive weight, in byte order of its id, a part of 0
/// included (the caller decides what to leave out); campaigns of weight 0 or less are not named.
/// A campaign named twice has the sum of its weights. No positive weight: no parts.
public enum LargestRemainder {
    /// One campaign's part of the total.
    public struct Part: Equatable, Sendable {
        public let campaignId: String
        public let amount: Int64

        public init(campaignId: String, amount: Int64) {
            self.campaignId = campaignId
            self.amount = amount
        }

        public static func == (a: Part, b: Part) -> Bool {
            a.campaignId.utf8Key == b.campaignId.utf8Key && a.amount == b.amount
        }
    }

    /// Exact: a campaign's share is `total × weight / Σ weights`, a rational compared exactly in
    /// `Int128` (the models whose weights are rationals give them as integers over one denominator).
    /// `total` must not be negative.
    public static func apportion(_ total: Int64, exactly weights: [(campaignId: String, weight: Int64)]) -> [Part] {
        let summed = sum(weights.map { ($0.campaignId, Int128($0.weight)) })
        return zip(summed, parts(total, summed.map(\.weight))).map { Part(campaignId: $0.campaign.string, amount: $1) }
    }

    /// Weights computed in `Double` (time decay, removal effects): each is scaled to an integer,
    /// relative to the largest, with the 53 bits a `Double` holds (`round(weight / largest × 2^53)`),
    /// then apportioned `exactly`. Weights that are not finite count as 0.
    public static func apportion(_ total: Int64, weights: [(campaignId: String, weight: Double)]) -> [Part] {
        let summed = sum(weights.map { ($0.campaignId, $0.weight.isFinite ? $0.weight : 0) })
        let scaled = Self.scaled(summed.map(\.weight))
        return zip(summed, parts(total, scaled)).map { Part(campaignId: $0.campaign.string, amount: $1) }
    }

    // MARK: The arithmetic

    /// `total` over `weights` (none negative), ties to the smaller index: the campaigns' weights in
    /// byte order of their ids. All weights 0: every part 0.
    static func parts(_ total: Int64, _ weights: [Int128]) -> [Int64] {
        let all = weights.reduce(0, +)
        guard all > 0 else { return weights.map { _ in 0 } }
        // Each share as floor and remainder over the one denominator `all`.
        var floors = [Int64](repeating: 0, count: weights.count)
        var remainders = [Int128](repeating: 0, count: weights.count)
        var left = Int128(total)
        for (index, weight) in weights.enumerated() {
            let (floor, remainder) = (Int128(total) * weight).quotientAndRemainder(dividingBy: all)
            floors[index] = Int64(floor)
            remainders[index] = remainder
            left -= floor
        }
        // Σ remainders = left × all and every remainder < all: fewer units left than weights.
        if left > 0 {
            let byRemainder = remainders.indices.sorted { (remainders[$0], $1) > (remainders[$1], $0) }
            for index in byRemainder.prefix(Int(left)) { floors[index] += 1 }
        }
        return floors
    }

    /// `Double` weights as integers of 53 bits relative to the largest (0 for one not above 0 or not
    /// finite); all 0 when none is above 0.
    static func scaled(_ weights: [Double]) -> [Int128] {
        let finite = weights.map { $0.isFinite && $0 > 0 ? $0 : 0 }
        guard let largest = finite.max(), largest > 0 else { return finite.map { _ in 0 } }
        return finite.map { Int128(($0 / largest * 0x1p53).rounded()) }
    }

    /// The weights summed per campaign (by bytes), positive ones only, in byte order.
    private static func sum<Weight: AdditiveArithmetic & Comparable>(_ weights: [(String, Weight)])
        -> [(campaign: UTF8Key, weight: Weight)]
    {
        var summed: [UTF8Key: Weight] = [:]
        for (campaignId, weight) in weights { summed[campaignId.utf8Key, default: .zero] += weight }
        return summed.filter { $0.value > .zero }.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }
}
