import Foundation
import TriadEvents

/// The rule-based attribution models: which touches an order has, and how each model shares the
/// order among their campaigns.
public enum AttributionRules {
    /// The most touches one order's credit is shared over: the latest, the purchase's own included.
    public static let touchLimit = 256

    /// The touches of a purchase at `time`: of `touches` (in time order, ties in the order IT applied
    /// them), those at or before `time` and no more than `window` before it (a touch exactly one
    /// window before counts), then the purchase's own `campaignId`, when it names one, as one more
    /// touch at `time` after any at that instant; the `touchLimit` latest of these.
    public static func touches(_ touches: [Touch], before time: Timestamp, window: Int64, campaignId: String?)
        -> [Touch]
    {
        // The first touch after `time` (binary search: the list is in time order).
        var low = 0
        var high = touches.count
        while low < high {
            let middle = (low + high) / 2
            if touches[middle].at <= time { low = middle + 1 } else { high = middle }
        }
        let earliest = time.adding(milliseconds: -window)
        let room = touchLimit - (campaignId == nil ? 0 : 1)
        var start = low
        while start > 0, low - start < room, touches[start - 1].at >= earliest { start -= 1 }
        var found = Array(touches[start..<low])
        if let campaignId { found.append(Touch(at: time, campaignId: campaignId)) }
        return found
    }

    /// An order's credits under every model over its `touches` (in order, as `touches(_:before:...)`
    /// gives them), the order of `revenue` purchased at `time`; none (organic) without touches.
    ///
    /// A touch's weight: last touch 1 for the last only; first touch 1 for the first only; linear 1
    /// each; time decay `2^(−Δt / halfLife)` in `Double`, Δt = `time` − the touch's time; position
    /// based 1 for one touch, ½ each for two, 0.4 the first, 0.4 the last and 0.2 / (n − 2) each
    /// middle one for n ≥ 3. A campaign's share is its touches' weights over all weights, in basis
    /// points and in minor units of `revenue` by `LargestRemainder`; a campaign at 0 of both is left out.
    public static func credits(
        of revenue: Money, at time: Timestamp, over touches: [Touch], halfLifeMilliseconds: Int64
    )
        -> CreditsByModel
    {
        guard let last = touches.last else { return [:] }
        let keys = touches.map(\.campaignId.utf8Key)
        if keys.allSatisfy({ $0 == keys[0] }) { return ConversionAttributed.whole(last.campaignId, revenue) }

        // The campaigns in byte order, and each touch's campaign among them.
        let campaigns = Set(keys).sorted()
        let position = Dictionary(uniqueKeysWithValues: campaigns.enumerated().map { ($1, $0) })
        let campaignOf = keys.map { position[$0]! }
        func weights(_ weight: (Int) -> Int128) -> [Int128] {
            var summed = [Int128](repeating: 0, count: campaigns.count)
            for index in touches.indices { summed[campaignOf[index]] += weight(index) }
            return summed
        }
        func credits(_ weights: [Int128]) -> [CampaignCredit] {
            let bps = LargestRemainder.parts(10_000, weights)
            let minor = LargestRemainder.parts(revenue.amountMinor, weights)
            return campaigns.indices.compactMap { index in
                bps[index] == 0 && minor[index] == 0
                    ? nil
                    : CampaignCredit(
                        campaignId: campaigns[index].string, bps: bps[index],
                        revenue: Money(amountMinor: minor[index], currency: revenue.currency))
            }
        }

        let n = touches.count
        // Position based over one denominator: 0.4 : 0.2 / (n − 2) = 2(n − 2) : 1.
        let ends = Int128(max(2 * (n - 2), 1))
        // Time decay relative to the last touch: the same shares as from `time` (a common factor
        // 2^(−(time − last) / halfLife)), and the last weighs 1, so the weights never all underflow.
        let halfLife = Double(halfLifeMilliseconds)
        var decay = [Double](repeating: 0, count: campaigns.count)
        for (index, touch) in touches.enumerated() {
            let age = Double(last.at.millisecondsSinceEpoch - touch.at.millisecondsSinceEpoch)
            decay[campaignOf[index]] += exp2(-age / halfLife)
        }
        // Last and first touch credit one campaign wholly: nothing to apportion.
        func whole(_ touch: Touch) -> [CampaignCredit] {
            [CampaignCredit(campaignId: touch.campaignId, bps: 10_000, revenue: revenue)]
        }
        return [
            .lastTouch: whole(last),
            .firstTouch: whole(touches[0]),
            .linear: credits(weights { _ in 1 }),
            .timeDecay: credits(LargestRemainder.scaled(decay)),
            .positionBased: credits(weights { $0 == 0 || $0 == n - 1 ? ends : 1 }),
        ]
    }
}
