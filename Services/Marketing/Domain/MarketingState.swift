import TriadEvents

/// The part of marketing's state a batch of events (or one HTTP command) works on, in memory, and
/// what it changed. The service seeds it from its tables and writes the changes back; unit tests
/// start it empty and keep using it.
public struct MarketingState: Sendable {
    // Keyed by bytes (`UTF8Key`), as the tables are: two spellings Unicode calls equivalent are two ids.
    private var campaigns: [UTF8Key: Campaign] = [:]
    private var rois: [UTF8Key: RoiReported] = [:]
    private var performances: [UTF8Key: CampaignPerformanceReported] = [:]
    private var churn: [UTF8Key: ChurnRecord] = [:]
    private var envelopes: [Quarter: EnvelopeChanged] = [:]
    private var reallocations: [Quarter: ReallocationProposed] = [:]
    private var acquisitions: [Quarter: AcquisitionReported] = [:]
    private var roiTrends: [UTF8Key: [RoiPoint]] = [:]
    /// IT's latest data-driven attribution (by `computedAt`).
    public private(set) var markov: AttributionMarkovComputed?

    public private(set) var changedCampaigns: Set<UTF8Key> = []
    public private(set) var changedRois: Set<UTF8Key> = []
    public private(set) var changedPerformances: Set<UTF8Key> = []
    public private(set) var changedChurnRisks: Set<UTF8Key> = []
    public private(set) var changedEnvelopes: Set<Quarter> = []
    public private(set) var changedReallocations: Set<Quarter> = []
    public private(set) var changedAcquisitions: Set<Quarter> = []
    public private(set) var changedMarkov = false
    /// ROI points this state's reports added, in arrival order.
    public private(set) var newRoiPoints: [(campaignId: String, point: RoiPoint)] = []
    /// Episodes flagged and recovered by this state's events, by quarter and segment (increments
    /// over what the tables hold; everything, for a state that started empty).
    public private(set) var churnFlows: [ChurnFlowKey: ChurnFlow] = [:]
    /// Customers at churn risk gained (positive) or lost (negative) by this state's events, by segment
    /// (increments over what the tables hold, as `churnFlows`).
    public private(set) var churnRiskChanges: [UTF8Key: Int64] = [:]

    public init() {}

    /// A starting point: the campaigns it can touch and what marketing knows of the customers it can touch.
    public init(campaigns: [Campaign], churnRisks: [UTF8Key: ChurnRecord] = [:]) {
        for campaign in campaigns { self.campaigns[campaign.id.utf8Key] = campaign }
        churn = churnRisks
    }

    public func campaign(_ id: String) -> Campaign? { campaigns[id.utf8Key] }

    public mutating func save(_ campaign: Campaign) {
        campaigns[campaign.id.utf8Key] = campaign
        changedCampaigns.insert(campaign.id.utf8Key)
    }

    public func allCampaigns() -> [Campaign] { campaigns.sorted { $0.key < $1.key }.map(\.value) }

    public func changedCampaignRecords() -> [Campaign] { changedCampaigns.sorted().compactMap { campaigns[$0] } }

    /// The latest ROI report from finance, by campaign (kept even before the campaign is known).
    public func roi(_ campaignId: String) -> RoiReported? { rois[campaignId.utf8Key] }

    /// Keeps the report as the latest, and its ROI (when known) as a point of the campaign's trend
    /// at the time finance reported it.
    mutating func save(_ roi: RoiReported, at time: Timestamp?) {
        let key = roi.campaignId.utf8Key
        rois[key] = roi
        changedRois.insert(key)
        guard let time, let roiBps = roi.roiBps else { return }
        let point = RoiPoint(at: time, roiBps: roiBps)
        roiTrends[key, default: []].append(point)
        roiTrends[key] = Array(roiTrends[key, default: []].suffix(RoiPoint.historyLimit))
        newRoiPoints.append((roi.campaignId, point))
    }

    /// The campaign's latest ROI reports, oldest first (at most `RoiPoint.historyLimit`).
    public func roiTrend(_ campaignId: String) -> [RoiPoint] { roiTrends[campaignId.utf8Key] ?? [] }

    // MARK: Data-driven attribution

    /// Seeds the reading the tables hold, so that an older one changes nothing (nothing changes).
    public mutating func know(storedMarkov: AttributionMarkovComputed?) {
        markov = storedMarkov
    }

    /// Keeps IT's reading unless a later one is known. Readings share one key, so they arrive in
    /// the order IT emitted them: of two computed at the same reference time, the later one is kept.
    mutating func save(_ computed: AttributionMarkovComputed) {
        if let markov, markov.computedAt > computed.computedAt { return }
        markov = computed
        changedMarkov = true
    }

    // MARK: Envelopes

    /// Seeds the envelopes the tables hold, so that a report is measured against them (nothing changes).
    public mutating func know(storedEnvelopes: [EnvelopeChanged]) {
        for envelope in storedEnvelopes { envelopes[envelope.quarter] = envelope }
    }

    /// Keeps finance's report of a quarter's envelope unless a later revision is known
    /// (`replaces(_:known:of:in:)`).
    mutating func save(_ envelope: EnvelopeChanged) throws(EventRejection) {
        guard
            try Self.replaces(
                envelope.revision, known: envelopes[envelope.quarter]?.revision, of: "envelope", in: envelope.quarter)
        else { return }
        envelopes[envelope.quarter] = envelope
        changedEnvelopes.insert(envelope.quarter)
    }

    /// Whether finance's report at `revision` replaces the one known for the quarter: only a higher
    /// revision does. One more than `EnvelopeChanged.maximumRevisionStep` past the known one (0 for a
    /// quarter not seen yet) is refused: finance's arrive one at a time, so one forged event cannot
    /// pin what marketing shows.
    private static func replaces(_ revision: Int64, known: Int64?, of what: String, in quarter: Quarter)
        throws(EventRejection) -> Bool
    {
        if let known, known >= revision { return false }
        let knownRevision = known ?? 0
        guard revision - knownRevision <= EnvelopeChanged.maximumRevisionStep else {
            throw EventRejection(
                .ruleViolation, field: "revision",
                "is \(revision), more than \(EnvelopeChanged.maximumRevisionStep) past revision \(knownRevision) "
                    + "that marketing holds for the \(what) of \(quarter); finance's revisions go up one at a time")
        }
        return true
    }

    public func envelope(_ quarter: Quarter) -> EnvelopeChanged? { envelopes[quarter] }

    public func allEnvelopes() -> [EnvelopeChanged] { envelopes.values.sorted { $0.quarter < $1.quarter } }

    // MARK: Reallocation and acquisition (finance's, per quarter, highest revision)

    /// Seeds the proposals and acquisition reports the tables hold, so that a report is measured
    /// against them (nothing changes).
    public mutating func know(
        storedReallocations: [ReallocationProposed] = [], storedAcquisitions: [AcquisitionReported] = []
    ) {
        for proposal in storedReallocations { reallocations[proposal.quarter] = proposal }
        for acquisition in storedAcquisitions { acquisitions[acquisition.quarter] = acquisition }
    }

    /// Keeps finance's proposal for a quarter unless a later revision is known.
    mutating func save(_ proposal: ReallocationProposed) throws(EventRejection) {
        guard
            try Self.replaces(
                proposal.revision, known: reallocations[proposal.quarter]?.revision, of: "reallocation",
                in: proposal.quarter)
        else { return }
        reallocations[proposal.quarter] = proposal
        changedReallocations.insert(proposal.quarter)
    }

    /// Keeps finance's acquisition figures for a quarter unless a later revision is known.
    mutating func save(_ acquisition: AcquisitionReported) throws(EventRejection) {
        guard
            try Self.replaces(
                acquisition.revision, known: acquisitions[acquisition.quarter]?.revision, of: "acquisition",
                in: acquisition.quarter)
        else { return }
        acquisitions[acquisition.quarter] = acquisition
        changedAcquisitions.insert(acquisition.quarter)
    }

    public func reallocation(_ quarter: Quarter) -> ReallocationProposed? { reallocations[quarter] }

    public func acquisition(_ quarter: Quarter) -> AcquisitionReported? { acquisitions[quarter] }

    public func allReallocations() -> [ReallocationProposed] {
        reallocations.values.sorted { $0.quarter < $1.quarter }
    }

    public func allAcquisitions() -> [AcquisitionReported] { acquisitions.values.sorted { $0.quarter < $1.quarter } }

    public func changedRoiRecords() -> [RoiReported] { changedRois.sorted().compactMap { rois[$0] } }

    /// The latest performance counters from IT, by campaign.
    public func performance(_ campaignId: String) -> CampaignPerformanceReported? { performances[campaignId.utf8Key] }

    mutating func save(_ performance: CampaignPerformanceReported) {
        performances[performance.campaignId.utf8Key] = performance
        changedPerformances.insert(performance.campaignId.utf8Key)
    }

    public func changedPerformanceRecords() -> [CampaignPerformanceReported] {
        changedPerformances.sorted().compactMap { performances[$0] }
    }

    // MARK: Churn risk

    public func changedChurnRecords() -> [(customerId: String, record: ChurnRecord)] {
        changedChurnRisks.sorted().compactMap { id in churn[id].map { (id.string, $0) } }
    }

    private mutating func save(_ record: ChurnRecord, of customerId: String) {
        churn[customerId.utf8Key] = record
        changedChurnRisks.insert(customerId.utf8Key)
    }

    /// A new episode: the customer counts at risk in `segment`; false while an episode is open.
    mutating func flagChurnRisk(customerId: String, segment: String, at time: Timestamp) -> Bool {
        guard churn[customerId.utf8Key]?.atRisk != true else { return false }
        save(ChurnRecord(segment: segment, atRisk: true), of: customerId)
        churnFlows[ChurnFlowKey(quarter: time.quarter, segment: segment), default: ChurnFlow()].flagged += 1
        churnRiskChanges[segment.utf8Key, default: 0] += 1
        return true
    }

    /// The episode ended: the customer no longer counts; false when none was open.
    mutating func clearChurnRisk(customerId: String, at time: Timestamp) -> Bool {
        guard var record = churn[customerId.utf8Key], record.atRisk else { return false }
        record.atRisk = false
        save(record, of: customerId)
        churnFlows[ChurnFlowKey(quarter: time.quarter, segment: record.segment), default: ChurnFlow()].recovered += 1
        churnRiskChanges[record.segment.utf8Key, default: 0] -= 1
        return true
    }

    /// The customer moved to `segment`: while at risk it counts there now; false when unknown or unchanged.
    mutating func moveChurnRisk(customerId: String, to segment: String) -> Bool {
        guard var record = churn[customerId.utf8Key], record.segment.utf8Key != segment.utf8Key else { return false }
        if record.atRisk {
            churnRiskChanges[record.segment.utf8Key, default: 0] -= 1
            churnRiskChanges[segment.utf8Key, default: 0] += 1
        }
        record.segment = segment
        save(record, of: customerId)
        return true
    }

    /// Customers at churn risk now, by their current segment.
    public func churnRiskBySegment() -> [UTF8Key: Int64] {
        churn.values.filter(\.atRisk).reduce(into: [:]) { counts, record in
            counts[record.segment.utf8Key, default: 0] += 1
        }
    }
}

/// What marketing knows of a customer IT flagged at churn risk: the segment it counts in, and
/// whether its episode is still open.
public struct ChurnRecord: Sendable, Equatable {
    public var segment: String
    public var atRisk: Bool

    public init(segment: String, atRisk: Bool) {
        self.segment = segment
        self.atRisk = atRisk
    }

    public static func == (a: ChurnRecord, b: ChurnRecord) -> Bool {
        a.segment.utf8Key == b.segment.utf8Key && a.atRisk == b.atRisk
    }
}

/// A reporting period (a quarter of event time) and a segment.
public struct ChurnFlowKey: Hashable, Sendable {
    public let quarter: Quarter
    /// The segment, told apart by its bytes.
    public let segmentKey: UTF8Key

    public init(quarter: Quarter, segment: String) {
        self.quarter = quarter
        segmentKey = UTF8Key(segment)
    }

    public var segment: String { segmentKey.string }
}

/// Episodes that began (flagged) and ended (recovered) in a period: recovered ones are counted in
/// the segment the customer had when the episode ended.
public struct ChurnFlow: Sendable, Equatable, Codable {
    public var flagged: Int64 = 0
    public var recovered: Int64 = 0

    public init(flagged: Int64 = 0, recovered: Int64 = 0) {
        self.flagged = flagged
        self.recovered = recovered
    }
}

/// One ROI report of a campaign's trend: when finance reported it and the ROI it gave.
public struct RoiPoint: Sendable, Equatable, Codable {
    /// How many reports a campaign's trend keeps (the newest).
    public static let historyLimit = 24

    public let at: Timestamp
    public let roiBps: Int64

    public init(at: Timestamp, roiBps: Int64) {
        self.at = at
        self.roiBps = roiBps
    }
}
