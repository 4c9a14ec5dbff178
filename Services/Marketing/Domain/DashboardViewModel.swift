import TriadEvents

/// The board briefing as one HTML page (`GET /` on marketing): the totals, the quarter's envelope,
/// one row per campaign with a budget bar, its ROI against target and its ROI trend, churn risk by
/// segment as a bar chart, and the recommendations with their reasons. Figures carry `data-figure`
/// (and rows `data-campaign`) so a reader or a test can find each one. Everything is in the page — styles and SVG charts, no
/// script, no external asset; it reloads itself every `refreshSeconds` (plain HTML, no
/// JavaScript) and prints on one A4 page. Every text a user or an event supplied is escaped.
public enum DashboardPage {
    /// How many quarters' envelopes the page shows (the newest).
    static let envelopeQuarters = 4

    public static func html(_ briefing: Briefing, generatedAt: Timestamp, refreshSeconds: Int = 10) -> String {
        let currency = briefing.currency
        let totals = briefing.totals
        var page = """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8">
            <meta http-equiv="refresh" content="\(refreshSeconds)">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>Triad — board briefing</title>
            <style>\(style)</style></head><body>
            <header><h1>Board briefing</h1><p>Figures in \(escape(currency)) as of \(escape(generatedAt.iso8601)); this page refreshes every \(refreshSeconds) s.</p></header>
            <section class="totals">
            \(tile("Spend", "spend", money(totals.spend.amountMinor, currency)))
            \(tile("Approved budget", "approved", money(totals.approvedBudget.amountMinor, currency)))
            \(tile("Revenue", "revenue", money(totals.revenue.amountMinor, currency)))
            \(tile("Blended ROI", "roi", ratio(totals.roiBps)))
            \(tile("ROAS", "roas", ratio(Ratios.roasBps(revenueMinor: totals.revenue.amountMinor, spendMinor: totals.spend.amountMinor))))
            \(tile("CAC", "cac", Ratios.cacMinor(spendMinor: totals.spend.amountMinor, conversions: totals.conversions).map { money($0, currency) } ?? "–"))
            \(tile("Conversions", "conversions", grouped(totals.conversions)))
            </section>
            \(envelopes(briefing.envelopes.suffix(envelopeQuarters)))
            <section><h2>Campaigns</h2><table>
            <thead><tr><th>Campaign</th><th>Status</th><th>Spend of budget</th><th>ROI</th><th>Target</th><th>ROI trend</th><th>Revenue</th><th>Conversions</th></tr></thead><tbody>

            """
        for line in briefing.campaigns {
            let status = "<span data-figure=\"status\">\(escape(line.status.rawValue))</span>"
                + (line.pauseReason.map { " <small data-figure=\"pause-reason\">(\(escape($0)))</small>" } ?? "")
            page += """
                <tr data-campaign="\(escape(line.campaignId))"><td><strong>\(escape(line.campaignId))</strong><br><small>\(escape(line.name)) · \(escape(line.channel.rawValue)) · \(escape(line.segment))</small></td>
                <td class="status-\(escape(line.status.rawValue))">\(status)</td>
                <td>\(budgetBar(spend: line.spend.amountMinor, approved: line.approvedBudget.amountMinor))<br><small><span data-figure="spend">\(money(line.spend.amountMinor, currency))</span> of <span data-figure="approved">\(money(line.approvedBudget.amountMinor, currency))</span></small></td>
                <td class="\(line.meetsTarget == false ? "below" : "")" data-figure="roi">\(ratio(line.roiBps))</td><td data-figure="target">\(ratio(line.targetRoiBps))</td>
                <td>\(trendLine(line.roiTrend, target: line.targetRoiBps))</td>
                <td data-figure="revenue">\(money(line.revenue.amountMinor, currency))</td><td data-figure="conversions">\(grouped(line.conversions))</td></tr>

                """
        }
        page += "</tbody></table></section>\n<section class=\"split\"><div><h2>Churn risk now, by segment</h2>\n"
        page += churnChart(briefing.churnRiskBySegment)
        if let period = briefing.churnRiskPeriod {
            let flows = period.bySegment.sorted { $0.key < $1.key }
                .map { "\(escape($0.key.string)): \(grouped($0.value.flagged)) flagged, \(grouped($0.value.recovered)) recovered" }
            page += "<p><small>In \(escape(period.quarter.description)): \(flows.joined(separator: "; ")).</small></p>\n"
        }
        page += "</div><div><h2>Recommendations</h2>\n"
        if briefing.recommendations.isEmpty {
            page += "<p>None.</p>\n"
        } else {
            page += "<ul>\n"
            for recommendation in briefing.recommendations {
                let target = recommendation.campaignId ?? recommendation.segment ?? ""
                page += "<li data-recommendation=\"\(escape(recommendation.action.rawValue))\"><strong>\(escape(recommendation.action.rawValue)) \(escape(target))</strong>: \(escape(recommendation.reason))</li>\n"
            }
            page += "</ul>\n"
        }
        page += "</div></section>\n</body></html>\n"
        return page
    }

    // MARK: Parts

    private static func tile(_ label: String, _ figure: String, _ value: String) -> String {
        "<div class=\"tile\"><span>\(escape(label))</span><strong data-figure=\"total-\(figure)\">\(value)</strong></div>"
    }

    /// Each quarter's envelope: a bar of what is reserved against the whole, and the figures.
    static func envelopes(_ quarters: some Collection<Briefing.Envelope>) -> String {
        guard !quarters.isEmpty else { return "" }
        var html = "<section><h2>Quarterly envelope</h2><table class=\"envelopes\"><thead><tr><th>Quarter</th><th>Reserved of envelope</th><th>Envelope</th><th>Reserved</th><th>Released</th><th>Left</th></tr></thead><tbody>\n"
        for quarter in quarters {
            let currency = quarter.envelope.currency
            html += """
                <tr data-quarter="\(escape(quarter.quarter.description))"><td>\(escape(quarter.quarter.description))</td>
                <td>\(budgetBar(spend: quarter.reserved.amountMinor, approved: quarter.envelope.amountMinor, label: "reserved of the envelope"))</td>
                <td data-figure="envelope">\(money(quarter.envelope.amountMinor, currency))</td><td data-figure="reserved">\(money(quarter.reserved.amountMinor, currency))</td>
                <td data-figure="released">\(money(quarter.released.amountMinor, currency))</td><td data-figure="left">\(money(quarter.remaining.amountMinor, currency))</td></tr>

                """
        }
        return html + "</tbody></table></section>"
    }

    /// The campaign's ROI reports as a line, oldest left; the dashed line is its target, and the
    /// scale always shows 0 so a loss sits visibly below it.
    static func trendLine(_ points: [RoiPoint], target: Int64) -> String {
        guard points.count >= 2 else { return "<small>–</small>" }
        let width = 120, height = 28
        let values = points.map(\.roiBps) + [target, 0]
        let low = Int128(values.min()!), high = Int128(values.max()!)
        let span = max(high - low, 1)
        func y(_ value: Int64) -> Int128 { 2 + (high - Int128(value)) * Int128(height - 4) / span }
        let step = Int128(width - 4) / Int128(points.count - 1)
        let line = points.enumerated().map { index, point in "\(2 + Int128(index) * step),\(y(point.roiBps))" }.joined(separator: " ")
        let last = points.last!.roiBps
        return """
            <svg class="trend" width="\(width)" height="\(height)" role="img" aria-label="ROI of the last \(points.count) reports"><line x1="0" x2="\(width)" y1="\(y(target))" y2="\(y(target))" class="target"/><line x1="0" x2="\(width)" y1="\(y(0))" y2="\(y(0))" class="zero"/><polyline points="\(line)" class="\(last < 0 ? "loss" : "gain")"/></svg>
            """
    }

    /// Spend against the approved budget: filled to the share spent, red past the budget.
    static func budgetBar(spend: Int64, approved: Int64, label: String = "spend against budget") -> String {
        let width = 120
        let filled = approved > 0 ? Int(min(Int128(spend) * Int128(width) / Int128(approved), Int128(width))) : (spend > 0 ? width : 0)
        let over = spend > approved
        return """
            <svg class="bar" width="\(width)" height="10" role="img" aria-label="\(label)"><rect width="\(width)" height="10" class="track"/><rect width="\(max(filled, 0))" height="10" class="\(over ? "over" : "fill")"/></svg>
            """
    }

    /// One horizontal bar per segment, longest for the most customers at risk.
    static func churnChart(_ counts: [UTF8Key: Int64]) -> String {
        let rows = counts.sorted { ($1.value, $0.key) < ($0.value, $1.key) }
        guard let most = rows.first?.value, most > 0 else { return "<p>No customer is at churn risk.</p>\n" }
        let barWidth: Int64 = 240, rowHeight = 22
        var svg = "<svg class=\"chart\" width=\"\(barWidth + 160)\" height=\"\(rows.count * rowHeight)\" role=\"img\" aria-label=\"customers at churn risk by segment\">\n"
        for (index, row) in rows.enumerated() {
            let y = index * rowHeight
            let width = max(row.value * barWidth / most, 1)
            svg += "<text x=\"0\" y=\"\(y + 15)\">\(escape(String(row.key.string.prefix(24))))</text>"
            svg += "<rect x=\"110\" y=\"\(y + 4)\" width=\"\(width)\" height=\"14\" class=\"fill\"/>"
            svg += "<text x=\"\(110 + width + 6)\" y=\"\(y + 15)\" data-segment=\"\(escape(row.key.string))\">\(grouped(row.value))</text>\n"
        }
        return svg + "</svg>\n"
    }

    // MARK: Figures

    /// Minor units as the currency writes them, with thousands separators: `1,234,567.89 EUR`.
    static func money(_ minor: Int64, _ currency: String) -> String {
        let digits = fractionDigits(currency)
        let scale = (0..<digits).reduce(Int128(1)) { value, _ in value * 10 }
        let magnitude = minor < 0 ? -Int128(minor) : Int128(minor)
        let whole = grouped(magnitude / scale)
        let fraction = digits == 0 ? "" : "." + padded(String(magnitude % scale), digits)
        return (minor < 0 ? "−" : "") + whole + fraction + " " + escape(currency)
    }

    /// Basis points as a percentage with two decimals; a negative one is marked so it shows.
    static func ratio(_ bps: Int64?) -> String {
        guard let bps else { return "–" }
        let magnitude = bps < 0 ? -Int128(bps) : Int128(bps)
        let text = grouped(magnitude / 100) + "." + padded(String(magnitude % 100), 2) + " %"
        return bps < 0 ? "<span class=\"negative\">−\(text)</span>" : text
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

    /// Text for HTML content and attribute values.
    static func escape(_ text: String) -> String {
        var out = ""
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }

    private static let style = """
        body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#1d2430}h1{margin:0 0 4px}h2{font-size:16px;margin:20px 0 8px}
        header p{color:#5b6472;margin:0}.totals{display:flex;flex-wrap:wrap;gap:12px;margin-top:16px}
        .tile{border:1px solid #d8dde5;border-radius:6px;padding:8px 12px;min-width:140px}.tile>span{display:block;color:#5b6472;font-size:12px}
        table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:6px 8px;border-bottom:1px solid #e6e9ef;vertical-align:top}
        th{font-size:12px;color:#5b6472}td[data-figure],[data-figure] .negative{white-space:nowrap}.negative{color:#b42318;font-weight:600}.below{background:#fff4f2}
        .track{fill:#e6e9ef}.fill{fill:#2f6fde}.over{fill:#b42318}.chart text{font-size:12px;fill:#1d2430}
        .trend polyline{fill:none;stroke-width:1.5}.trend .gain{stroke:#2f6fde}.trend .loss{stroke:#b42318}
        .trend .target{stroke:#8a94a3;stroke-dasharray:3 2}.trend .zero{stroke:#d8dde5}
        .split{display:flex;gap:32px;flex-wrap:wrap}.split>div{flex:1;min-width:300px}small{color:#5b6472}
        @media print{@page{size:A4;margin:12mm}body{margin:0;font-size:10px}.totals{gap:6px}.tile{min-width:0;padding:4px 6px}
        th,td{padding:3px 4px}section,tr{break-inside:avoid}}
        """
}
