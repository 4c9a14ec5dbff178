import TriadEvents

/// The data-driven model: a first-order Markov chain over campaigns, with start, conversion and null
/// states, built from journeys, and each campaign's removal effect.
///
/// Transition probabilities are the journeys' transition counts over each state's outgoing count
/// (start → the first campaign, campaign → the next, the last → conversion or null; consecutive
/// touches of one campaign are a self-loop). P(conversion) is the probability of being absorbed in
/// conversion from start: the linear system (I − Q) x = r over the transient states (Q the
/// transitions among them, r the step into conversion), solved by Gaussian elimination with partial
/// pivoting in `Double` — exact in its method, never simulated, to the rounding of `Double`.
/// Removing a campaign sends every transition into it to null. Its removal effect is
/// RE = 1 − P(conversion without it) / P(conversion); shares are RE / ΣRE in basis points by largest
/// remainder, campaigns at 0 bps left out.
public struct MarkovAttribution: Sendable {
    public let journeys: Int64
    public let conversions: Int64
    /// P(conversion) from start; 0 without journeys.
    public let conversionProbability: Double
    /// Each campaign's removal effect, in byte order of its id.
    public let removalEffects: [(campaignId: String, effect: Double)]
    /// RE / ΣRE in basis points, in byte order of campaign id; empty when every removal effect is 0.
    public let shares: [CampaignShare]

    /// A removal effect below this is the rounding of the solve, not an effect: it counts as 0.
    public static let noise = 1e-12

    public init(_ journeys: [Journey]) {
        let chain = Chain(journeys)
        self.journeys = Int64(journeys.count)
        conversions = Int64(journeys.filter(\.converted).count)
        let whole = chain.conversionProbability(without: nil)
        conversionProbability = whole
        removalEffects = chain.campaigns.indices.map { index in
            let effect = whole > 0 ? 1 - chain.conversionProbability(without: index + 1) / whole : 0
            return (chain.campaigns[index].string, effect < Self.noise ? 0 : effect)
        }
        shares = LargestRemainder.apportion(10_000, weights: removalEffects.map { ($0.campaignId, $0.effect) })
            .filter { $0.amount > 0 }.map { CampaignShare(campaignId: $0.campaignId, bps: $0.amount) }
    }

    /// Transition counts: state 0 is start, state i (1…n) is `campaigns[i − 1]`.
    struct Chain {
        let campaigns: [UTF8Key]
        /// counts[i][j]: transitions from state i into state j.
        let counts: [[Double]]
        let toConversion: [Double]
        let outgoing: [Double]

        init(_ journeys: [Journey]) {
            campaigns = Set(journeys.flatMap { $0.campaigns.map(\.utf8Key) }).sorted()
            let index = Dictionary(uniqueKeysWithValues: campaigns.enumerated().map { ($1, $0 + 1) })
            let size = campaigns.count + 1
            var counts = Array(repeating: Array(repeating: 0.0, count: size), count: size)
            var toConversion = Array(repeating: 0.0, count: size)
            var outgoing = Array(repeating: 0.0, count: size)
            for journey in journeys {
                var from = 0
                for campaign in journey.campaigns {
                    let to = index[campaign.utf8Key]!
                    counts[from][to] += 1
                    outgoing[from] += 1
                    from = to
                }
                if journey.converted { toConversion[from] += 1 }
                outgoing[from] += 1
            }
            self.counts = counts
            self.toConversion = toConversion
            self.outgoing = outgoing
        }

        /// P(conversion) from start, with state `removed` (if any) taken out: what went into it goes to null.
        func conversionProbability(without removed: Int?) -> Double {
            let kept = counts.indices.filter { $0 != removed && outgoing[$0] > 0 }
            guard kept.first == 0 else { return 0 }
            let position = Dictionary(uniqueKeysWithValues: kept.enumerated().map { ($1, $0) })
            var matrix = kept.map { from in
                var row = Array(repeating: 0.0, count: kept.count)
                for to in kept { row[position[to]!] -= counts[from][to] / outgoing[from] }
                row[position[from]!] += 1
                return row
            }
            var vector = kept.map { toConversion[$0] / outgoing[$0] }
            return Self.solve(&matrix, &vector)[0]
        }

        /// Solves `matrix` · x = `vector` by Gaussian elimination with partial pivoting (the matrix is
        /// I − Q of an absorbing chain: every state reaches absorption, so it is not singular).
        static func solve(_ matrix: inout [[Double]], _ vector: inout [Double]) -> [Double] {
            let size = vector.count
            for column in 0..<size {
                let pivot = (column..<size).max { abs(matrix[$0][column]) < abs(matrix[$1][column]) }!
                matrix.swapAt(column, pivot)
                vector.swapAt(column, pivot)
                for row in (column + 1)..<size where matrix[row][column] != 0 {
                    let factor = matrix[row][column] / matrix[column][column]
                    for k in column..<size { matrix[row][k] -= factor * matrix[column][k] }
                    vector[row] -= factor * vector[column]
                }
            }
            var solution = Array(repeating: 0.0, count: size)
            for row in stride(from: size - 1, through: 0, by: -1) {
                var sum = vector[row]
                for k in (row + 1)..<size { sum -= matrix[row][k] * solution[k] }
                solution[row] = sum / matrix[row][row]
            }
            return solution
        }
    }
}
