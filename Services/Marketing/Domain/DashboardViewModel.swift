import TriadEvents

/// The board briefing as the board page (`GET /` on marketing) shows it: every figure formatted as
/// the board reads it, every chart's geometry computed, which rows and marks appear. No markup and no
/// escaping: marketing-service's `dashboard.mustache` lays this out and escapes every text it prints.
public struct DashboardViewModel: Sendable, Equatable {
    /// How many quarters' envelopes the page shows (the newest).
    static let envelopeQuarters = 4

    public let refreshSeconds: Int
    public let currency: String
    public let generatedAt: String
    public let totals: [Tile]
    /// Nil before finance's first acquisition report.
    public let acquisition: AcquisitionTiles?
    public let envelopes: [EnvelopeRow]
    /// Nil before finance's first proposal.
    public let reallocation: ReallocationChart?
    public let campaigns: [CampaignRow]
    /// Nil when no customer is at churn risk.
    public let churnChart: ChurnChart?
    public let churnPeriod: ChurnPeriod?
    /// The rule-based models' names, in order: the columns of `roiByModel` and `dataDriven`.
    public let models: [String]
    /// Each campaign's ROI under every rule-based model, against its target.
    public let roiByModel: [ModelRoiRow]
    /// Nil before IT's first data-driven computation.
    public let dataDriven: DataDrivenChart?
    public let recommendations: [RecommendationItem]
    public let onlyUnderOtherModels: [OtherModelItem]

    public init(_ briefing: Briefing, generatedAt: Timestamp, refreshSeconds: Int = 10) {
        let currency = briefing.currency
        let totals = briefing.totals
        func money(_ minor: Int64) -> Figure { Figure(BoardFigures.money(minor, currency)) }
        self.refreshSeconds = refreshSeconds
        self.currency = currency
        self.generatedAt = generatedAt.iso8601
        self.totals = [
            Tile(label: "Spend", figure: "spend", value: money(totals.spend.amountMinor)),
            Tile(label: "Approved budget", figure: "approved", value: money(totals.approvedBudget.amountMinor)),
            Tile(label: "Revenue", figure: "revenue", value: money(totals.revenue.amountMinor)),
            Tile(label: "Blended ROI", figure: "roi", value: Self.ratio(totals.roiBps)),
            Tile(
                label: "ROAS", figure: "roas",
                value: Self.ratio(
                    Ratios.roasBps(revenueMinor: totals.revenue.amountMinor, spendMinor: totals.spend.amountMinor))),
            Tile(
                label: "Cost per order", figure: "cost-per-order",
                value: Ratios.costPerOrderMinor(spendMinor: totals.spend.amountMinor, orders: totals.conversions)
                    .map(money) ?? Figure("–")),
            Tile(label: "Conversions", figure: "conversions", value: Figure(BoardFigures.grouped(totals.conversions))),
        ]
        acquisition = briefing.acquisition.map { AcquisitionTiles($0, currency: currency) }
        envelopes = briefing.envelopes.suffix(Self.envelopeQuarters).map(EnvelopeRow.init)
        reallocation = briefing.reallocation.map(ReallocationChart.init)
        campaigns = briefing.campaigns.map { CampaignRow($0, currency: currency) }
        churnChart = ChurnChart(briefing.churnRiskBySegment)
        churnPeriod = briefing.churnRiskPeriod.map(ChurnPeriod.init)
        models = AttributionModel.allCases.map(\.rawValue)
        roiByModel = briefing.campaigns.map(ModelRoiRow.init)
        dataDriven = briefing.dataDriven.map(DataDrivenChart.init)
        recommendations = briefing.recommendations.map(RecommendationItem.init)
        onlyUnderOtherModels = briefing.onlyUnderOtherModels.map(OtherModelItem.init)
    }

    // MARK: Parts

    /// A figure as the board reads it; a negative ratio is marked so it shows.
    public struct Figure: Sendable, Equatable {
        public let text: String
        public let negative: Bool

        init(_ text: String, negative: Bool = false) {
            self.text = text
            self.negative = negative
        }
    }

    /// One of the totals at the top; `figure` names it for a reader (`data-figure="total-…"`).
    public struct Tile: Sendable, Equatable {
        public let label: String
        public let figure: String
        public let value: Figure
    }

    /// Finance's acquisition figures for the newest quarter it reported: new customers, CAC, cost
    /// per order and MER (`data-figure="acquisition-…"`).
    public struct AcquisitionTiles: Sendable, Equatable {
        public let quarter: String
        public let tiles: [Tile]

        init(_ acquisition: Briefing.Acquisition, currency: String) {
            func money(_ minor: Int64?) -> Figure { Figure(minor.map { BoardFigures.money($0, currency) } ?? "–") }
            quarter = acquisition.quarter.description
            tiles = [
                Tile(
                    label: "New customers", figure: "new-customers",
                    value: Figure(BoardFigures.grouped(acquisition.newCustomers))),
                Tile(label: "CAC", figure: "cac", value: money(acquisition.cacMinor)),
                Tile(label: "Cost per order", figure: "cost-per-order", value: money(acquisition.costPerOrderMinor)),
                Tile(label: "MER", figure: "mer", value: DashboardViewModel.ratio(acquisition.merBps)),
            ]
        }
    }

    /// Finance's proposed split of a quarter's envelope: per channel a bar of the current amount over
    /// one of the proposed, both to one scale (the largest amount fills `width`), the expected revenue
    /// gain and the reason.
    public struct ReallocationChart: Sendable, Equatable {
        public struct Row: Sendable, Equatable {
            public let channel: String
            public let reason: String
            public let currentShare: String
            public let current: String
            public let proposed: String
            public let currentWidth: Int64
            public let proposedWidth: Int64
            /// Expected revenue at the proposed amount less at the current one; `–` without a curve.
            public let gain: Figure
            public let marginalRoas: Figure
        }
        public let width: Int64
        public let quarter: String
        public let model: String
        public let revision: String
        public let envelope: String
        public let gain: Figure
        public let rows: [Row]

        init(_ reallocation: Briefing.Reallocation) {
            let width: Int64 = 160
            let currency = reallocation.envelope.currency
            func money(_ minor: Int64?) -> Figure {
                guard let minor else { return Figure("–") }
                return Figure(BoardFigures.money(minor, currency), negative: minor < 0)
            }
            let largest = reallocation.channels.map { max($0.current.amountMinor, $0.proposed.amountMinor) }.max() ?? 0
            // Amounts are at most Money.maximumMinor: × width stays within 64 bits.
            func bar(_ minor: Int64) -> Int64 { largest > 0 ? max(minor, 0) * width / largest : 0 }
            self.width = width
            quarter = reallocation.quarter.description
            model = reallocation.model.rawValue
            revision = BoardFigures.grouped(reallocation.revision)
            envelope = BoardFigures.money(reallocation.envelope.amountMinor, currency)
            gain = money(reallocation.expectedRevenueGain?.amountMinor)
            rows = reallocation.channels.map { line in
                Row(
                    channel: line.channel.rawValue, reason: line.reason.rawValue,
                    currentShare: BoardFigures.percent(line.currentShareBps),
                    current: BoardFigures.money(line.current.amountMinor, currency),
                    proposed: BoardFigures.money(line.proposed.amountMinor, currency),
                    currentWidth: bar(line.current.amountMinor), proposedWidth: bar(line.proposed.amountMinor),
                    gain: money(line.expectedRevenueGainMinor),
                    marginalRoas: DashboardViewModel.ratio(line.marginalRoasBps))
            }
        }
    }

    /// Spend (or what is reserved) against a whole: filled to the share, `over` past the whole.
    public struct Bar: Sendable, Equatable {
        public let width: Int
        public let filled: Int
        public let over: Bool

        init(spend: Int64, approved: Int64) {
            let width = 120
            self.width = width
            filled =
                approved > 0
                ? Int(min(Int128(spend) * Int128(width) / Int128(approved), Int128(width)))
                : (spend > 0 ? width : 0)
            over = spend > approved
        }
    }

    /// Each quarter's envelope: a bar of what is reserved against the whole, and the figures.
    public struct EnvelopeRow: Sendable, Equatable {
        public let quarter: String
        public let bar: Bar
        public let envelope: String
        public let reserved: String
        public let released: String
        public let left: String

        init(_ quarter: Briefing.Envelope) {
            let currency = quarter.envelope.currency
            self.quarter = quarter.quarter.description
            bar = Bar(spend: quarter.reserved.amountMinor, approved: quarter.envelope.amountMinor)
            envelope = BoardFigures.money(quarter.envelope.amountMinor, currency)
            reserved = BoardFigures.money(quarter.reserved.amountMinor, currency)
            released = BoardFigures.money(quarter.released.amountMinor, currency)
            left = BoardFigures.money(quarter.remaining.amountMinor, currency)
        }
    }

    /// One campaign: its budget bar, ROI against target (`belowTarget` marks the cell) and trend.
    public struct CampaignRow: Sendable, Equatable {
        public let campaignId: String
        public let name: String
        public let channel: String
        public let segment: String
        public let status: String
        public let pauseReason: String?
        public let bar: Bar
        public let spend: String
        public let approved: String
        public let roi: Figure
        public let belowTarget: Bool
        public let target: Figure
        /// Nil for a campaign finance decided without a projection (or has not decided yet).
        public let projection: ProjectionCell?
        /// Nil until the campaign has two ROI reports.
        public let trend: Trend?
        public let revenue: String
        public let conversions: String

        init(_ line: Briefing.CampaignLine, currency: String) {
            campaignId = line.campaignId
            name = line.name
            channel = line.channel.rawValue
            segment = line.segment
            status = line.status.rawValue
            pauseReason = line.pauseReason
            bar = Bar(spend: line.spend.amountMinor, approved: line.approvedBudget.amountMinor)
            spend = BoardFigures.money(line.spend.amountMinor, currency)
            approved = BoardFigures.money(line.approvedBudget.amountMinor, currency)
            roi = DashboardViewModel.ratio(line.roiBps)
            belowTarget = line.meetsTarget == false
            target = DashboardViewModel.ratio(line.targetRoiBps)
            projection = line.projection.map { ProjectionCell($0, currency: currency) }
            trend = Trend(line.roiTrend, target: line.targetRoiBps)
            revenue = BoardFigures.money(line.revenue.amountMinor, currency)
            conversions = BoardFigures.grouped(line.conversions)
        }
    }

    /// Finance's projection at planning time, beside the target: ROI and revenue from the channel's
    /// curve, or that the channel had not enough history.
    public struct ProjectionCell: Sendable, Equatable {
        public let roi: Figure
        /// Nil without a curve. (Named apart from the row's `revenue`, which a template would fall back to.)
        public let projectedRevenue: String?
        public let reason: String
        public let curve: Bool

        init(_ projection: Campaign.Projection, currency: String) {
            roi = DashboardViewModel.ratio(projection.projectedRoiBps)
            projectedRevenue = projection.projectedRevenue.map { BoardFigures.money($0.amountMinor, currency) }
            reason = projection.reason.rawValue
            curve = projection.reason == .curve
        }
    }

    /// The campaign's ROI reports as a line, oldest left; `targetY` is its target's height and
    /// `zeroY` zero's, which the scale always shows so a loss sits visibly below it.
    public struct Trend: Sendable, Equatable {
        public struct Point: Sendable, Equatable {
            public let x: Int
            public let y: Int
        }
        public let width: Int
        public let height: Int
        public let reports: Int
        public let targetY: Int
        public let zeroY: Int
        public let points: [Point]
        /// The newest report is a loss.
        public let loss: Bool

        init?(_ reports: [RoiPoint], target: Int64) {
            guard reports.count >= 2, let last = reports.last else { return nil }
            let width = 120
            let height = 28
            let values = reports.map(\.roiBps) + [target, 0]
            let low = Int128(values.min() ?? 0)
            let high = Int128(values.max() ?? 0)
            let span = max(high - low, 1)
            func y(_ value: Int64) -> Int { Int(2 + (high - Int128(value)) * Int128(height - 4) / span) }
            let step = (width - 4) / (reports.count - 1)
            self.width = width
            self.height = height
            self.reports = reports.count
            targetY = y(target)
            zeroY = y(0)
            points = reports.enumerated().map { index, report in Point(x: 2 + index * step, y: y(report.roiBps)) }
            loss = last.roiBps < 0
        }
    }

    /// One horizontal bar per segment, longest for the most customers at risk; labels are cut to
    /// 24 characters.
    public struct ChurnChart: Sendable, Equatable {
        public struct Row: Sendable, Equatable {
            public let label: String
            public let segment: String
            public let count: String
            public let textY: Int
            public let barY: Int
            public let barWidth: Int64
            public let countX: Int64
        }
        public let width: Int64
        public let height: Int
        public let barX: Int64
        public let rows: [Row]

        init?(_ counts: [UTF8Key: Int64]) {
            let sorted = counts.sorted { ($1.value, $0.key) < ($0.value, $1.key) }
            guard let most = sorted.first?.value, most > 0 else { return nil }
            let barWidth: Int64 = 240
            let rowHeight = 22
            let barX: Int64 = 110
            width = barWidth + 160
            height = sorted.count * rowHeight
            self.barX = barX
            rows = sorted.enumerated().map { index, row in
                let y = index * rowHeight
                let width = max(row.value * barWidth / most, 1)
                return Row(
                    label: String(row.key.string.prefix(24)), segment: row.key.string,
                    count: BoardFigures.grouped(row.value), textY: y + 15, barY: y + 4, barWidth: width,
                    countX: barX + width + 6)
            }
        }
    }

    /// The newest quarter's churn flows, by segment.
    public struct ChurnPeriod: Sendable, Equatable {
        public struct Flow: Sendable, Equatable {
            public let segment: String
            public let flagged: String
            public let recovered: String
        }
        public let quarter: String
        public let flows: [Flow]

        init(_ period: Briefing.ChurnRiskPeriod) {
            quarter = period.quarter.description
            flows = period.bySegment.sorted { $0.key < $1.key }.map { segment, flow in
                Flow(
                    segment: segment.string, flagged: BoardFigures.grouped(flow.flagged),
                    recovered: BoardFigures.grouped(flow.recovered))
            }
        }
    }

    /// A campaign's ROI under each rule-based model; `belowTarget` marks a cell under its target.
    public struct ModelRoiRow: Sendable, Equatable {
        public struct Cell: Sendable, Equatable {
            public let model: String
            public let roi: Figure
            public let belowTarget: Bool
        }
        public let campaignId: String
        public let cells: [Cell]
        public let target: Figure

        init(_ line: Briefing.CampaignLine) {
            campaignId = line.campaignId
            cells = AttributionModel.allCases.map { model in
                let roi = line.roiByModel[model] ?? nil
                return Cell(
                    model: model.rawValue, roi: DashboardViewModel.ratio(roi),
                    belowTarget: roi.map { $0 < line.targetRoiBps } ?? false)
            }
            target = DashboardViewModel.ratio(line.targetRoiBps)
        }
    }

    /// IT's data-driven shares beside the rule-based models' shares of the same window, as bars: one
    /// row per campaign any of them credits, the data-driven bar first; a full bar is 100 %.
    public struct DataDrivenChart: Sendable, Equatable {
        public struct Share: Sendable, Equatable {
            /// `markov` or a rule-based model's name.
            public let model: String
            public let dataDriven: Bool
            public let text: String
            /// The bar's filled width.
            public let filled: Int64
        }
        public struct Row: Sendable, Equatable {
            public let campaignId: String
            public let shares: [Share]
        }
        /// A whole (10,000 bps) bar's width.
        public let width: Int64
        public let from: String
        public let to: String
        public let journeys: String
        public let conversions: String
        public let rows: [Row]

        init(_ dataDriven: Briefing.DataDriven) {
            let width: Int64 = 48
            self.width = width
            from = dataDriven.from.iso8601
            to = dataDriven.to.iso8601
            journeys = BoardFigures.grouped(dataDriven.journeys)
            conversions = BoardFigures.grouped(dataDriven.conversions)
            let lists =
                [(Briefing.DataDriven.model, dataDriven.shares)]
                + AttributionModel.allCases.map { ($0.rawValue, dataDriven.ruleShares[$0] ?? []) }
            let campaigns = Set(lists.flatMap { $0.1.map(\.campaignId.utf8Key) }).sorted()
            rows = campaigns.map { campaign in
                Row(
                    campaignId: campaign.string,
                    shares: lists.map { model, shares in
                        let bps = shares.first { $0.campaignId.utf8Key == campaign }?.bps ?? 0
                        return Share(
                            model: model, dataDriven: model == Briefing.DataDriven.model,
                            text: BoardFigures.percent(bps), filled: min(max(bps, 0), 10_000) * width / 10_000)
                    })
            }
        }
    }

    /// A recommendation: what to do, to which campaign or segment, and why in percentages; one that
    /// does not hold under every model is marked, with the models it holds under.
    public struct RecommendationItem: Sendable, Equatable {
        public let action: String
        public let target: String
        public let reason: String
        public let robust: Bool
        public let holdsUnder: String

        init(_ recommendation: Briefing.Recommendation) {
            action = recommendation.action.rawValue
            target = recommendation.campaignId ?? recommendation.segment ?? ""
            reason = recommendation.reason(.percentages)
            robust = recommendation.robust
            holdsUnder = recommendation.holdsUnder.map(\.rawValue).joined(separator: ", ")
        }
    }

    /// Advice last touch does not give but other models would, with those models.
    public struct OtherModelItem: Sendable, Equatable {
        public let action: String
        public let target: String
        public let holdsUnder: String

        init(_ advice: Briefing.OtherModelAdvice) {
            action = advice.action.rawValue
            target = advice.campaignId
            holdsUnder = advice.holdsUnder.map(\.rawValue).joined(separator: ", ")
        }
    }

    // MARK: Figures

    /// Basis points as a percentage with two decimals; a negative one is marked so it shows.
    static func ratio(_ bps: Int64?) -> Figure {
        guard let bps else { return Figure("–") }
        return Figure(BoardFigures.percent(bps), negative: bps < 0)
    }
}
