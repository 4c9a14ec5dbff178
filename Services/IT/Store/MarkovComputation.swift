import Analytics
import TriadEvents
import TriadStorage

/// The data-driven reading of IT's tables: `MarkovAttribution` over the journeys that end in the
/// window, and beside it each rule-based model's share of the revenue purchased in the same window.
public enum MarkovComputation {
    /// The reading at T, the newest event time across IT's partitions; the window is the attribution
    /// window before T. nil before IT has seen an interaction.
    ///
    /// Reads the touches and purchases of the two windows before T (a journey ending in the window
    /// reaches back one more), `customersPerRead` customers at a time, each page in a read of its own:
    /// the reading keeps only the chain's transition counts, so neither its memory nor the time it
    /// holds a snapshot grows with the tables. Run on one instance every `TRIAD_IT_MARKOV_INTERVAL_MS`,
    /// outside any write transaction; a touch recorded meanwhile counts if its customer's page is read
    /// after it.
    public static func compute(window: Int64, in database: any Database, customersPerRead: Int = 1_000) async throws
        -> AttributionMarkovComputed?
    {
        guard let to = try await database.read({ try PartitionClocksTable.newest(in: $0) }) else { return nil }
        let from = to.adding(milliseconds: -window)
        let earliest = from.adding(milliseconds: -window)
        var transitions = MarkovAttribution.Transitions()
        var after = ""
        while true {
            let first = after
            let (last, journeys) = try await database.read { session -> (String?, [Journey]) in
                let customers = try CustomersTable.ids(after: first, limit: customersPerRead, in: session)
                guard let last = customers.last else { return (nil, []) }
                return (
                    last,
                    try Self.journeys(after: first, through: last, from: earliest, to: to, window: window, in: session)
                )
            }
            for journey in journeys { transitions.add(journey) }
            guard let last else { break }
            after = last
        }
        let model = MarkovAttribution(transitions)
        let revenue = try await database.read { try OrderCreditsTable.revenueByCampaign(from: from, to: to, in: $0) }
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

    /// The journeys ending in `from…to`'s window of the customers after `first` through `last`.
    private static func journeys(
        after first: String, through last: String, from earliest: Timestamp, to: Timestamp, window: Int64,
        in session: any SQLSession
    ) throws -> [Journey] {
        var touches: [UTF8Key: [Touch]] = [:]
        for (customerId, touch) in try TouchesTable.touches(
            after: first, through: last, from: earliest, to: to, in: session)
        {
            touches[customerId.utf8Key, default: []].append(touch)
        }
        var purchases: [UTF8Key: [JourneyPurchase]] = [:]
        for (customerId, purchase) in try OrdersTable.purchases(
            after: first, through: last, from: earliest, to: to, in: session)
        {
            purchases[customerId.utf8Key, default: []].append(purchase)
        }
        let ending = to.adding(milliseconds: -window)...to
        var journeys: [Journey] = []
        for customer in Set(touches.keys).union(purchases.keys) {
            journeys += Journey.journeys(
                touches: touches[customer] ?? [], purchases: purchases[customer] ?? [], window: window, ending: ending)
        }
        return journeys
    }
}
