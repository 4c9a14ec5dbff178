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
    public let envelopes: [EnvelopeRow]
    public let campaigns: [CampaignRow]
    /// Nil when no customer is at churn risk.
    public let churnChart: ChurnChart?
    public let churnPeriod: ChurnPeriod?
    public let recommendations: [RecommendationItem]

    public init(_ briefing: Briefing, generatedAt: Timestamp, refreshSeconds: Int = 10) {
        let currency = briefing.currency
        let totals = briefing.totals
        func money(_ minor: Int64) -> Figure { Figure(Self.money(minor, currency)) }
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
                label: "CAC", figure: "cac",
                value: Ratios.cacMinor(spendMinor: totals.spend.amountMinor, conversions: totals.conversions)
                    .map(money) ?? Figure("–")),
            Tile(label: "Conversions", figure: "conversions", value: Figure(Self.grouped(totals.conversions))),
        ]
        envelopes = briefing.envelopes.suffix(Self.envelopeQuarters).map(EnvelopeRow.init)
        campaigns = briefing.campaigns.map { CampaignRow($0, currency: currency) }
        churnChart = ChurnChart(briefing.churnRiskBySegment)
        churnPeriod = briefing.churnRiskPeriod.map(ChurnPeriod.init)
        recommendations = briefing.recommendations.map(RecommendationItem.init)
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
            envelope = DashboardViewModel.money(quarter.envelope.amountMinor, currency)
            reserved = DashboardViewModel.money(quarter.reserved.amountMinor, currency)
            released = DashboardViewModel.money(quarter.released.amountMinor, currency)
            left = DashboardViewModel.money(quarter.remaining.amountMinor, currency)
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
            spend = DashboardViewModel.money(line.spend.amountMinor, currency)
            approved = DashboardViewModel.money(line.approvedBudget.amountMinor, currency)
            roi = DashboardViewModel.ratio(line.roiBps)
            belowTarget = line.meetsTarget == false
            target = DashboardViewModel.ratio(line.targetRoiBps)
            trend = Trend(line.roiTrend, target: line.targetRoiBps)
            revenue = DashboardViewModel.money(line.revenue.amountMinor, currency)
            conversions = DashboardViewModel.grouped(line.conversions)
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
                    count: DashboardViewModel.grouped(row.value), textY: y + 15, barY: y + 4, barWidth: width,
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
                    segment: segment.string, flagged: DashboardViewModel.grouped(flow.flagged),
                    recovered: DashboardViewModel.grouped(flow.recovered))
            }
        }
    }

    /// A recommendation: what to do, to which campaign or segment, and why.
    public struct RecommendationItem: Sendable, Equatable {
        public let action: String
        public let target: String
        public let reason: String

        init(_ recommendation: Briefing.Recommendation) {
            action = recommendation.action.rawValue
            target = recommendation.campaignId ?? recommendation.segment ?? ""
            reason = recommendation.reason
        }
    }

    // MARK: Figures

    /// Minor units as the currency writes them, with thousands separators: `1,234,567.89 EUR`.
    static func money(_ minor: Int64, _ currency: String) -> String {
        let digits = fractionDigits(currency)
        let scale = (0..<digits).reduce(Int128(1)) { value, _ in value * 10 }
        let magnitude = minor < 0 ? -Int128(minor) : Int128(minor)
        let whole = grouped(magnitude / scale)
        let fraction = digits == 0 ? "" : "." + padded(String(magnitude % scale), digits)
        return (minor < 0 ? "−" : "") + whole + fraction + " " + currency
    }

    /// Basis points as a percentage with two decimals; a negative one is marked so it shows.
    static func ratio(_ bps: Int64?) -> Figure {
        guard let bps else { return Figure("–") }
        let magnitude = bps < 0 ? -Int128(bps) : Int128(bps)
        let text = grouped(magnitude / 100) + "." + padded(String(magnitude % 100), 2) + " %"
        return bps < 0 ? Figure("−" + text, negative: true) : Figure(text)
    }

    static func grouped<N: BinaryInteger>(_ value: N) -> String {
        let text = String(value.magnitude)
        var out = ""
        for (index, character) in text.enumerated() {
            if index > 0 && (text.count - index) % 3 == 0 { out.append(",") }
            out.append(character)
        }
        return (value < 0 ? "−" : "") + out
    }

    private static func padded(_ text: String, _ width: Int) -> String {
        String(repeating: "0", count: max(0, width - text.count)) + text
    }

    /// ISO 4217 minor units for the currencies that do not use two.
    private static func fractionDigits(_ currency: String) -> Int {
        switch currency {
        case "JPY", "KRW", "ISK", "CLP", "VND", "XAF", "XOF", "PYG", "UGX", "RWF": 0
        case "BHD", "KWD", "OMR", "JOD", "TND", "LYD", "IQD": 3
        default: 2
        }
    }
}
