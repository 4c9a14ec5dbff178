import Analytics
import TriadEvents
import TriadStorage

/// The data-driven reading of IT's tables: `MarkovAttribution` over the journeys that end in the
/// window, and beside it each rule-based model's share of the revenue purchased in the same window.
public enum MarkovComputation {
    /// The reading at T, the newest event time across IT's partitions; the window is the attribution
    /// window before T. nil before IT has seen an interaction.
    ///
    /// Reads every touch and purchase of the two windows before T (a journey ending in the window
    /// reaches back one more): a scan of both tables, run on one instance every
    /// `TRIAD_IT_MARKOV_INTERVAL_MS`, outside any write transaction.
    public static func compute(window: Int64, in session: any SQLSession) throws -> AttributionMarkovComputed? {
        guard let to = try PartitionClocksTable.newest(in: session) else { return nil }
        let from = to.adding(milliseconds: -window)
        let earliest = from.adding(milliseconds: -window)
        var touches: [UTF8Key: [Touch]] = [:]
        for (customerId, touch) in try TouchesTable.touches(from: earliest, to: to, in: session) {
            touches[customerId.utf8Key, default: []].append(touch)
        }
        var purchases: [UTF8Key: [JourneyPurchase]] = [:]
        for (customerId, purchase) in try OrdersTable.purchases(from: earliest, to: to, in: session) {
            purchases[customerId.utf8Key, default: []].append(purchase)
        }
        var journeys: [Journey] = []
        for customer in Set(touches.keys).union(purchases.keys) {
            journeys += Journey.journeys(
                touches: touches[customer] ?? [], purchases: purchases[customer] ?? [], window: window,
                ending: from...to)
        }
        let model = MarkovAttribution(journeys)
        let revenue = try OrderCreditsTable.revenueByCampaign(from: from, to: to, in: session)
        return AttributionMarkovComputed(
            computedAt: to, from: from, to: to, journeys: model.journeys, conversions: model.conversions,
            shares: model.shares,
            ruleShares: revenue.mapValues { sums in
                LargestRemainder.apportion(10_000, exactly: sums.map { ($0.key.string, $0.value) }).filter {
                    $0.amount > 0
                }
                .map { CampaignShare(campaignId: $0.campaignId, bps: $0.amount) }
            })
    }
}
