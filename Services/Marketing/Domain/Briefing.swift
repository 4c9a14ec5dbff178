import TriadEvents

/// Thresholds of the briefing's recommendations.
public struct BriefingPolicy: Sendable, Equatable {
    /// *scale* needs spend under this share of the approved budget.
    public var scaleMaxSpendPercent: Int64 = 80
    /// *pause* needs spend at or over this share of the approved budget (and ROI < 0).
    public var pauseMinSpendPercent: Int64 = 50
    /// *retention campaign* needs at least this many churn-risk customers in a segment.
    public var retentionThreshold: Int64 = 10

    public init(scaleMaxSpendPercent: Int64 = 80, pauseMinSpendPercent: Int64 = 50, retentionThreshold: Int64 = 10) {
        self.scaleMaxSpendPercent = scaleMaxSpendPercent
        self.pauseMinSpendPercent = pauseMinSpendPercent
        self.retentionThreshold = retentionThreshold
    }
}

/// The board-ready view: every campaign with its money and counters, totals, churn risk and recommendations.
public struct Briefing: Sendable, Equatable, Codable {
    public struct Performance: Sendable, Equatable, Codable {
        public var impressions: Int64 = 0
        public var clicks: Int64 = 0
        public var visits: Int64 = 0
        public var signups: Int64 = 0
        public var purchases: Int64 = 0
    }

    public struct CampaignLine: Sendable, Equatable, Codable {
        public let campaignId: String
        public let name: String
        public let channel: Channel
        public let segment: String
        public let status: CampaignStatus
        public let pauseReason: String?
        public let approvedBudget: Money
        public let spend: MoneyTotal
        public let revenue: MoneyTotal
        public let conversions: Int64
        public let roiBps: Int64?
        /// ROI under each rule-based model, last touch's being `roiBps`: nil while spend is 0, and under
        /// the other models while finance's latest report names none (one from before the models).
        public let roiByModel: [AttributionModel: Int64?]
        public let roasBps: Int64?
        /// Spend / new customers; nil while there are none, or finance's report does not count them.
        public let cacMinor: Int64?
        /// Spend / conversions; nil while there are none.
        public let costPerOrderMinor: Int64?
        /// Customers whose first purchase was attributed to the campaign; nil in a report from before.
        public let newCustomers: Int64?
        public let targetRoiBps: Int64
        /// Finance's projection when it decided the budget, to read beside the target and `roiBps`.
        public let projection: Campaign.Projection?
        /// nil while ROI is not known yet (no spend).
        public let meetsTarget: Bool?
        public let performance: Performance
        /// The latest ROI reports, oldest first: the page draws them as a trend line.
        public let roiTrend: [RoiPoint]
    }

    /// A quarter's envelope as finance last reported it.
    public struct Envelope: Sendable, Equatable, Codable {
        public let quarter: Quarter
        public let envelope: Money
        public let reserved: MoneyTotal
        public let released: MoneyTotal
        /// Negative when the envelope was configured below what is reserved.
        public let remaining: Money

        public init(_ changed: EnvelopeChanged) {
            quarter = changed.quarter
            envelope = changed.envelope
            reserved = changed.reserved
            released = changed.released
            remaining = Money(amountMinor: changed.remainingMinor, currency: changed.envelope.currency)
        }
    }

    public struct Totals: Sendable, Equatable, Codable {
        public let approvedBudget: MoneyTotal
        public let spend: MoneyTotal
        public let revenue: MoneyTotal
        public let conversions: Int64
        public let roiBps: Int64?
    }

    public enum Action: String, Sendable, Codable {
        case scale
        case pause
        case retentionCampaign = "retention-campaign"
    }

    /// Advice of the last-touch figures, and whether it survives a change of model.
    public struct Recommendation: Sendable, Equatable, Codable {
        public let action: Action
        public let campaignId: String?
        public let segment: String?
        /// Why, ratios in basis points (`reason(_:)` words it otherwise).
        public let reason: String
        /// The figures the reason gives.
        public let grounds: Grounds
        /// The models under whose ROI the same rule fires; retention advice holds under all five.
        public let holdsUnder: [AttributionModel]
        /// The rule fires under every model.
        public let robust: Bool

        init(action: Action, campaignId: String?, segment: String?, grounds: Grounds, holdsUnder: [AttributionModel]) {
            self.action = action
            self.campaignId = campaignId
            self.segment = segment
            self.grounds = grounds
            self.holdsUnder = holdsUnder
            robust = holdsUnder == AttributionModel.allCases
            reason = grounds.reason(for: action, .basisPoints)
        }

        /// Why, worded from the grounds.
        public func reason(_ wording: Wording) -> String { grounds.reason(for: action, wording) }
    }

    /// What a recommendation rests on: a campaign's ROI (last touch), its target and the policy's
    /// spend limit in percent of the budget; or a segment's customers at churn risk and the threshold.
    public struct Grounds: Sendable, Equatable, Codable {
        public var roiBps: Int64?
        public var targetRoiBps: Int64?
        public var spendPercent: Int64?
        public var customers: Int64?
        public var threshold: Int64?
    }

    /// Scale or pause advice last touch does not give but another model would.
    public struct OtherModelAdvice: Sendable, Equatable, Codable {
        public let action: Action
        public let campaignId: String
        public let holdsUnder: [AttributionModel]
    }

    /// IT's latest data-driven (Markov removal-effect) shares of the attribution window's credit, with
    /// each rule-based model's shares of the same window's orders beside them.
    public struct DataDriven: Sendable, Equatable, Codable {
        /// The data-driven model's name, beside the rule-based models' names.
        public static let model = "markov"

        public let computedAt: Timestamp
        public let from: Timestamp
        public let to: Timestamp
        public let journeys: Int64
        public let conversions: Int64
        /// Sorted by campaign id; empty when no campaign's removal changes anything.
        public let shares: [CampaignShare]
        public let ruleShares: [AttributionModel: [CampaignShare]]

        public init(_ computed: AttributionMarkovComputed) {
            computedAt = computed.computedAt
            from = computed.from
            to = computed.to
            journeys = computed.journeys
            conversions = computed.conversions
            shares = computed.shares
            ruleShares = computed.ruleShares
        }
    }

    /// Finance's latest proposal for splitting a quarter's envelope over the channels.
    public struct Reallocation: Sendable, Equatable, Codable {
        public let quarter: Quarter
        public let model: AttributionModel
        public let envelope: Money
        /// In channel order, as finance proposed them.
        public let channels: [ChannelAllocation]
        public let revision: Int64
        /// The proposal's expected revenue less the current split's, over the channels with a curve;
        /// nil when none has one.
        public let expectedRevenueGain: Money?

        public init(_ proposed: ReallocationProposed) {
            quarter = proposed.quarter
            model = proposed.model
            envelope = proposed.envelope
            channels = proposed.channels
            revision = proposed.revision
            let gains = proposed.channels.compactMap(\.expectedRevenueGainMinor)
            // Each gain is within ±2 × Money.maximumMinor: a sum over the channels fits 64 bits.
            expectedRevenueGain =
                gains.isEmpty ? nil : Money(amountMinor: gains.reduce(0, +), currency: proposed.envelope.currency)
        }
    }

    /// Finance's acquisition figures for one quarter of event time.
    public struct Acquisition: Sendable, Equatable, Codable {
        public let quarter: Quarter
        public let newCustomers: Int64
        /// Spend / new customers, floored; nil with no new customer.
        public let cacMinor: Int64?
        /// Spend / attributed orders, floored; nil with no order.
        public let costPerOrderMinor: Int64?
        /// Revenue × 10,000 / spend, floored; nil while spend is 0.
        public let merBps: Int64?

        public init(_ reported: AcquisitionReported) {
            quarter = reported.quarter
            newCustomers = reported.newCustomers
            cacMinor = reported.cacMinor
            costPerOrderMinor = reported.costPerOrderMinor
            merBps = reported.merBps
        }
    }

    public let currency: String
    public let campaigns: [CampaignLine]
    public let totals: Totals
    /// Customers at churn risk now, by their current segment: an episode that ended no longer counts.
    public let churnRiskBySegment: [UTF8Key: Int64]
    /// Episodes flagged and recovered in the reporting period, by segment.
    public let churnRiskPeriod: ChurnRiskPeriod?
    /// Every quarter finance reported an envelope for, oldest first.
    public let envelopes: [Envelope]
    /// Last touch's advice, each with the models it holds under.
    public let recommendations: [Recommendation]
    public let onlyUnderOtherModels: [OtherModelAdvice]
    /// Absent before IT's first computation.
    public let dataDriven: DataDriven?
    /// The proposal for the newest quarter finance proposed a split of; absent before any.
    public let reallocation: Reallocation?
    /// The newest quarter (of event time) finance reported acquisition figures for; absent before any.
    public let acquisition: Acquisition?

    /// The reporting period is the newest quarter (of event time) in which an episode began or ended.
    public struct ChurnRiskPeriod: Sendable, Equatable, Codable {
        public let quarter: Quarter
        public let bySegment: [UTF8Key: ChurnFlow]
    }
}

extension Briefing {
    /// Builds the briefing from marketing's state.
    public static func make(from state: MarketingState, policy: BriefingPolicy, currency: String) throws(BriefingError)
        -> Briefing
    {
        try make(
            campaigns: state.allCampaigns(), roi: state.roi, performance: state.performance, roiTrend: state.roiTrend,
            churnRiskBySegment: state.churnRiskBySegment(), churnFlows: state.churnFlows,
            envelopes: state.allEnvelopes(), markov: state.markov, reallocations: state.allReallocations(),
            acquisitions: state.allAcquisitions(), policy: policy, currency: currency)
    }

    /// Builds the briefing from the campaigns, the latest reports about them and the churn-risk
    /// counts. Comparisons are exact integer arithmetic.
    public static func make(
        campaigns: [Campaign], roi: (String) -> RoiReported?, performance: (String) -> CampaignPerformanceReported?,
        roiTrend: (String) -> [RoiPoint] = { _ in [] }, churnRiskBySegment churn: [UTF8Key: Int64],
        churnFlows: [ChurnFlowKey: ChurnFlow] = [:], envelopes: [EnvelopeChanged] = [],
        markov: AttributionMarkovComputed? = nil, reallocations: [ReallocationProposed] = [],
        acquisitions: [AcquisitionReported] = [], policy: BriefingPolicy, currency: String
    ) throws(BriefingError) -> Briefing {
        let zero = Money.zero(currency)
        let noTotal = MoneyTotal(amountMinor: 0, currency: currency)
        var lines: [CampaignLine] = []
        var recommendations: [Recommendation] = []
        var onlyUnderOtherModels: [OtherModelAdvice] = []
        // Totals add up in 128 bits; one that does not fit 64 is refused, never trapped on.
        var totalApproved: Int128 = 0
        var totalSpend: Int128 = 0
        var totalRevenue: Int128 = 0
        var totalConversions: Int128 = 0

        for campaign in campaigns {
            let roi = roi(campaign.id)
            let performance = performance(campaign.id)
            let approved = campaign.approvedBudget ?? zero
            let spend = roi?.spend ?? noTotal
            let line = CampaignLine(
                campaignId: campaign.id, name: campaign.name, channel: campaign.channel, segment: campaign.segment,
                status: campaign.status, pauseReason: campaign.status == .paused ? campaign.pauseReason : nil,
                approvedBudget: approved, spend: spend, revenue: roi?.revenue ?? noTotal,
                conversions: roi?.conversions ?? 0, roiBps: roi?.roiBps,
                roiByModel: Dictionary(
                    uniqueKeysWithValues: AttributionModel.allCases.map { model in
                        (model, model == .lastTouch ? roi?.roiBps : roi?.byModel?[model]?.roiBps)
                    }), roasBps: roi?.roasBps, cacMinor: roi?.cacMinor,
                costPerOrderMinor: roi?.costPerOrderMinor, newCustomers: roi?.newCustomers,
                targetRoiBps: campaign.targetRoiBps, projection: campaign.projection,
                meetsTarget: roi?.roiBps.map { $0 >= campaign.targetRoiBps },
                performance: Performance(
                    impressions: performance?.impressions ?? 0, clicks: performance?.clicks ?? 0,
                    visits: performance?.visits ?? 0, signups: performance?.signups ?? 0,
                    purchases: performance?.purchases ?? 0),
                roiTrend: roiTrend(campaign.id))
            lines.append(line)
            totalApproved += Int128(approved.amountMinor)
            totalSpend += Int128(spend.amountMinor)
            totalRevenue += Int128(line.revenue.amountMinor)
            totalConversions += Int128(line.conversions)

            for (action, models) in policy.campaignAdvice(line) {
                guard models.contains(.lastTouch) else {
                    onlyUnderOtherModels.append(
                        OtherModelAdvice(action: action, campaignId: campaign.id, holdsUnder: models))
                    continue
                }
                let grounds =
                    action == .scale
                    ? Grounds(
                        roiBps: line.roiBps, targetRoiBps: campaign.targetRoiBps,
                        spendPercent: policy.scaleMaxSpendPercent)
                    : Grounds(roiBps: line.roiBps, spendPercent: policy.pauseMinSpendPercent)
                recommendations.append(
                    Recommendation(
                        action: action, campaignId: campaign.id, segment: nil, grounds: grounds, holdsUnder: models))
            }
        }

        // Customers at risk now: the recommendation goes once enough of them are active again.
        for (segment, count) in churn.sorted(by: { $0.key < $1.key }) where count >= policy.retentionThreshold {
            recommendations.append(
                Recommendation(
                    action: .retentionCampaign, campaignId: nil, segment: segment.string,
                    grounds: Grounds(customers: count, threshold: policy.retentionThreshold),
                    holdsUnder: AttributionModel.allCases))
        }

        guard let approvedSum = Int64(exactly: totalApproved), let spendSum = Int64(exactly: totalSpend),
            let revenueSum = Int64(exactly: totalRevenue), let conversionsSum = Int64(exactly: totalConversions)
        else { throw BriefingError.totalsOverflow }
        return Briefing(
            currency: currency, campaigns: lines,
            totals: Totals(
                approvedBudget: MoneyTotal(amountMinor: approvedSum, currency: currency),
                spend: MoneyTotal(amountMinor: spendSum, currency: currency),
                revenue: MoneyTotal(amountMinor: revenueSum, currency: currency), conversions: conversionsSum,
                roiBps: Ratios.roiBps(revenueMinor: revenueSum, spendMinor: spendSum)),
            churnRiskBySegment: churn.filter { $0.value > 0 }, churnRiskPeriod: period(of: churnFlows),
            envelopes: envelopes.sorted { $0.quarter < $1.quarter }.map(Envelope.init),
            recommendations: recommendations,
            onlyUnderOtherModels: onlyUnderOtherModels, dataDriven: markov.map(DataDriven.init),
            reallocation: reallocations.max { $0.quarter < $1.quarter }.map(Reallocation.init),
            acquisition: acquisitions.max { $0.quarter < $1.quarter }.map(Acquisition.init))
    }

    private static func period(of flows: [ChurnFlowKey: ChurnFlow]) -> ChurnRiskPeriod? {
        guard let quarter = flows.keys.map(\.quarter).max() else { return nil }
        var bySegment: [UTF8Key: ChurnFlow] = [:]
        for (key, flow) in flows where key.quarter == quarter { bySegment[key.segmentKey] = flow }
        return ChurnRiskPeriod(quarter: quarter, bySegment: bySegment)
    }
}

extension ChannelAllocation {
    /// Expected revenue at the proposed amount less at the current one; nil without a curve.
    public var expectedRevenueGainMinor: Int64? {
        guard let proposed = expectedRevenueProposed, let current = expectedRevenueCurrent else { return nil }
        return proposed.amountMinor - current.amountMinor
    }
}

/// Why a briefing could not be made.
public enum BriefingError: Error, Sendable, CustomStringConvertible {
    /// The campaigns' figures add up to more than 64 bits hold.
    case totalsOverflow

    public var description: String { "the campaigns' totals exceed what a 64-bit amount holds" }
}
