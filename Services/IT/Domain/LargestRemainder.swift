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
        let all = summed.reduce(Int128(0)) { $0 + $1.weight }
        guard all > 0 else { return [] }
        // Each share as floor and remainder over the one denominator `all`.
        var shares = summed.map { campaign, weight in
            let numerator = Int128(total) * weight
            return (campaign: campaign, floor: numerator / all, remainder: numerator % all)
        }
        let left = Int128(total) - shares.reduce(Int128(0)) { $0 + $1.floor }
        // Σ remainders = left × all and every remainder < all: fewer units left than campaigns.
        let byRemainder = shares.indices.sorted {
            (shares[$0].remainder, shares[$1].campaign) > (shares[$1].remainder, shares[$0].campaign)
        }
        for index in byRemainder.prefix(Int(left)) { shares[index].floor += 1 }
        return shares.map { Part(campaignId: $0.campaign.string, amount: Int64($0.floor)) }
    }

    /// Weights computed in `Double` (time decay, removal effects): each is scaled to an integer,
    /// relative to the largest, with the 53 bits a `Double` holds (`round(weight / largest × 2^53)`),
    /// then apportioned `exactly`. Weights that are not finite count as 0.
    public static func apportion(_ total: Int64, weights: [(campaignId: String, weight: Double)]) -> [Part] {
        let finite = weights.map { (campaignId: $0.campaignId, weight: $0.weight.isFinite ? $0.weight : 0) }
        let summed = sum(finite.map { ($0.campaignId, $0.weight) })
        guard let largest = summed.map(\.weight).max(), largest > 0 else { return [] }
        let scale = Double(1 << 53)
        return apportion(
            total,
            exactly: summed.map { campaign, weight in
                (campaign.string, weight > 0 ? Int64((weight / largest * scale).rounded()) : 0)
            })
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
