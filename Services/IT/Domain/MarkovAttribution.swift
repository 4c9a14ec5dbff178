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

    public init(_ journeys: [Journey]) { self.init(Transitions(journeys)) }

    public init(_ transitions: Transitions) {
        let chain = Chain(transitions)
        journeys = transitions.journeys
        conversions = transitions.conversions
        let whole = chain.conversionProbability(without: nil)
        conversionProbability = whole
        removalEffects = chain.campaigns.indices.map { index in
            let effect = whole > 0 ? 1 - chain.conversionProbability(without: index + 1) / whole : 0
            return (chain.campaigns[index].string, effect < Self.noise ? 0 : effect)
        }
        shares = LargestRemainder.apportion(10_000, weights: removalEffects.map { ($0.campaignId, $0.effect) })
            .filter { $0.amount > 0 }.map { CampaignShare(campaignId: $0.campaignId, bps: $0.amount) }
    }

    /// The journeys' transition counts, taken one journey at a time, so a reading can page through
    /// its customers and keep only the counts (campaigns² numbers), never every journey. Counts are
    /// whole numbers in `Double`, exact up to 2⁵³: the order journeys come in changes nothing.
    public struct Transitions: Sendable {
        public private(set) var journeys: Int64 = 0
        public private(set) var conversions: Int64 = 0
        /// Campaigns in the order first seen: campaign i is state i + 1, start is state 0.
        fileprivate private(set) var campaigns: [UTF8Key] = []
        private var states: [UTF8Key: Int] = [:]
        fileprivate private(set) var counts: [[Double]] = [[0]]
        fileprivate private(set) var toConversion: [Double] = [0]
        fileprivate private(set) var outgoing: [Double] = [0]

        public init() {}

        public init(_ journeys: [Journey]) {
            for journey in journeys { add(journey) }
        }

        public mutating func add(_ journey: Journey) {
            journeys += 1
            if journey.converted { conversions += 1 }
            var from = 0
            for campaign in journey.campaigns {
                let to = state(of: campaign.utf8Key)
                counts[from][to] += 1
                outgoing[from] += 1
                from = to
            }
            if journey.converted { toConversion[from] += 1 }
            outgoing[from] += 1
        }

        private mutating func state(of campaign: UTF8Key) -> Int {
            if let state = states[campaign] { return state }
            campaigns.append(campaign)
            let state = campaigns.count
            states[campaign] = state
            for row in counts.indices { counts[row].append(0) }
            counts.append(Array(repeating: 0, count: state + 1))
            toConversion.append(0)
            outgoing.append(0)
            return state
        }
    }

    /// The chain with its campaigns in byte order of their ids (state 0 is start).
    struct Chain {
        let campaigns: [UTF8Key]
        let counts: [[Double]]
        let toConversion: [Double]
        let outgoing: [Double]

        init(_ transitions: Transitions) {
            let order = transitions.campaigns.indices.sorted { transitions.campaigns[$0] < transitions.campaigns[$1] }
            campaigns = order.map { transitions.campaigns[$0] }
            let states = [0] + order.map { $0 + 1 }
            counts = states.map { from in states.map { to in transitions.counts[from][to] } }
            toConversion = states.map { transitions.toConversion[$0] }
            outgoing = states.map { transitions.outgoing[$0] }
        }

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
