import TriadEvents

/// The briefing as `triad briefing` prints it: one line per campaign, the totals, ROI under every
/// attribution model, churn risk, the envelopes, the acquisition figures, the proposed reallocation,
/// the recommendations and the data-driven shares.
/// Money and ratios read as on the page (`BoardFigures`); `raw` prints minor units and basis points.
public struct BriefingText: Sendable {
    let briefing: Briefing
    let raw: Bool

    public init(_ briefing: Briefing, raw: Bool = false) {
        self.briefing = briefing
        self.raw = raw
    }

    public var text: String {
        var lines = [
            "",
            "=== Executive briefing (\(briefing.currency)\(raw ? ", amounts in minor units, ratios in bps" : "")) ===",
        ]
        lines += campaignLines()
        lines.append("")
        lines += modelLines()
        lines.append("")
        lines.append(
            "Customers at churn risk by segment: "
                + briefing.churnRiskBySegment.sorted { $0.key < $1.key }.map { "\($0.key) \(count($0.value))" }
                .joined(separator: ", "))
        if let period = briefing.churnRiskPeriod {
            lines.append(
                "Churn-risk episodes in \(period.quarter): "
                    + period.bySegment.sorted { $0.key < $1.key }
                    .map { "\($0.key) flagged \(count($0.value.flagged)), recovered \(count($0.value.recovered))" }
                    .joined(separator: ", "))
        }
        for envelope in briefing.envelopes {
            lines.append(
                "Envelope \(envelope.quarter): \(money(envelope.envelope.amountMinor)), "
                    + "reserved \(money(envelope.reserved.amountMinor)), "
                    + "released \(money(envelope.released.amountMinor)), left \(money(envelope.remaining.amountMinor))")
        }
        if let acquisition = briefing.acquisition {
            lines.append(
                "Acquisition in \(acquisition.quarter): \(count(acquisition.newCustomers)) new customers, "
                    + "CAC \(optionalMoney(acquisition.cacMinor)), "
                    + "cost per order \(optionalMoney(acquisition.costPerOrderMinor)), MER \(ratio(acquisition.merBps))"
            )
        }
        if let reallocation = briefing.reallocation {
            lines.append("")
            lines += reallocationLines(reallocation)
        }
        lines.append("")
        lines += recommendationLines()
        if let dataDriven = briefing.dataDriven {
            lines.append("")
            lines += dataDrivenLines(dataDriven)
        }
        return lines.joined(separator: "\n")
    }

    // MARK: Parts

    private func campaignLines() -> [String] {
        let table = Layout(
            widths: raw ? [10, 10, 10, 10, 10, 5, 8, 7, 5, 6] : [10, 10, 12, 12, 12, 5, 9, 8, 5, 6], names: 2)
        var lines = [
            table.row(
                ["campaign", "status", "budget", "spend", "revenue", "conv", raw ? "ROI bps" : "ROI", "target"]
                    + ["impr", "clicks"])
        ]
        for line in briefing.campaigns {
            lines.append(
                table.row([
                    line.campaignId, line.status.rawValue, amount(line.approvedBudget.amountMinor),
                    amount(line.spend.amountMinor), amount(line.revenue.amountMinor), count(line.conversions),
                    ratio(line.roiBps), ratio(line.targetRoiBps), count(line.performance.impressions),
                    count(line.performance.clicks),
                ]))
        }
        let totals = briefing.totals
        lines.append(
            table.row([
                "total", "", amount(totals.approvedBudget.amountMinor), amount(totals.spend.amountMinor),
                amount(totals.revenue.amountMinor), count(totals.conversions), ratio(totals.roiBps),
            ]))
        return lines
    }

    /// Finance's proposed split, a channel a line: current → proposed, the expected revenue gain, the
    /// marginal ROAS at the proposal and the reason.
    private func reallocationLines(_ reallocation: Briefing.Reallocation) -> [String] {
        let table = Layout(widths: raw ? [10, 12, 1, 12, 6, 12, 8] : [10, 14, 1, 14, 9, 13, 13])
        var lines = [
            "Reallocation proposed for \(reallocation.quarter) under \(reallocation.model.rawValue) "
                + "(revision \(reallocation.revision)): envelope \(money(reallocation.envelope.amountMinor)), "
                + "expected revenue gain \(optionalMoney(reallocation.expectedRevenueGain?.amountMinor))",
            table.row(["channel", "current", "", "proposed", "share", "revenue gain", raw ? "mROAS" : "marginal ROAS"])
                + "  reason",
        ]
        for line in reallocation.channels {
            lines.append(
                table.row([
                    line.channel.rawValue, amount(line.current.amountMinor), "→", amount(line.proposed.amountMinor),
                    ratio(line.currentShareBps), line.expectedRevenueGainMinor.map(amount) ?? ratio(nil),
                    ratio(line.marginalRoasBps),
                ]) + "  \(line.reason.rawValue)")
        }
        return lines
    }

    /// ROI under each model, a cell below the campaign's target marked `*`.
    private func modelLines() -> [String] {
        let models = AttributionModel.allCases
        let table = Layout(widths: [10] + models.map { max($0.rawValue.count, 10) } + [9])
        var lines = [
            "ROI by attribution model (* below the campaign's target):",
            table.row(["campaign"] + models.map(\.rawValue) + ["target"]),
        ]
        for line in briefing.campaigns {
            lines.append(
                table.row(
                    [line.campaignId]
                        + models.map { model in
                            let roi = line.roiByModel[model] ?? nil
                            return ratio(roi) + (roi.map { $0 < line.targetRoiBps } == true ? "*" : " ")
                        } + [ratio(line.targetRoiBps) + " "]))
        }
        return lines
    }

    private func recommendationLines() -> [String] {
        var lines = ["Recommendations (last touch):"]
        for recommendation in briefing.recommendations {
            let target = recommendation.campaignId ?? recommendation.segment ?? ""
            let reason = raw ? recommendation.reason : recommendation.reason(.percentages)
            let mark =
                recommendation.robust
                ? "" : " — not robust: holds under \(recommendation.holdsUnder.map(\.rawValue).joined(separator: ", "))"
            lines.append("  \(pad(recommendation.action.rawValue, 18)) \(pad(target, 10)) \(reason)\(mark)")
        }
        if !briefing.onlyUnderOtherModels.isEmpty {
            lines.append("Only under other models:")
            for advice in briefing.onlyUnderOtherModels {
                lines.append(
                    "  \(pad(advice.action.rawValue, 18)) \(pad(advice.campaignId, 10)) holds under "
                        + advice.holdsUnder.map(\.rawValue).joined(separator: ", "))
            }
        }
        return lines
    }

    /// The data-driven shares beside the rule-based ones, a campaign a line.
    private func dataDrivenLines(_ dataDriven: Briefing.DataDriven) -> [String] {
        let lists =
            [(Briefing.DataDriven.model, dataDriven.shares)]
            + AttributionModel.allCases.map { ($0.rawValue, dataDriven.ruleShares[$0] ?? []) }
        let table = Layout(widths: [10] + lists.map { max($0.0.count, 9) })
        var lines = [
            "Data-driven attribution (markov) from \(dataDriven.from.iso8601) to \(dataDriven.to.iso8601): "
                + "\(count(dataDriven.journeys)) journeys, \(count(dataDriven.conversions)) conversions; "
                + "shares of credit\(raw ? " in bps" : ""):",
            table.row(["campaign"] + lists.map(\.0)),
        ]
        for campaign in Set(lists.flatMap { $0.1.map(\.campaignId.utf8Key) }).sorted() {
            lines.append(
                table.row(
                    [campaign.string]
                        + lists.map { _, shares in
                            ratio(shares.first { $0.campaignId.utf8Key == campaign }?.bps ?? 0)
                        }))
        }
        return lines
    }

    // MARK: Figures

    private func amount(_ minor: Int64) -> String { raw ? "\(minor)" : BoardFigures.amount(minor, briefing.currency) }

    private func money(_ minor: Int64) -> String { raw ? "\(minor)" : BoardFigures.money(minor, briefing.currency) }

    /// `money`, or a dash when there is no figure.
    private func optionalMoney(_ minor: Int64?) -> String { minor.map(money) ?? ratio(nil) }

    private func ratio(_ bps: Int64?) -> String {
        guard let bps else { return raw ? "-" : "–" }
        return raw ? "\(bps)" : BoardFigures.percent(bps)
    }

    private func count(_ value: Int64) -> String { raw ? "\(value)" : BoardFigures.grouped(value) }

    private func pad(_ text: String, _ width: Int) -> String {
        text + String(repeating: " ", count: max(0, width - text.count))
    }

    /// Columns: the first `names` left-aligned, the rest right-aligned (figures); past its width a
    /// cell pushes the ones after it. Lines end without spaces.
    private struct Layout {
        let widths: [Int]
        var names = 1

        func row(_ cells: [String]) -> String {
            var line = cells.enumerated().map { index, cell in
                let space = String(repeating: " ", count: max(0, widths[index] - cell.count))
                return index < names ? cell + space : space + cell
            }.joined(separator: " ")
            while line.last == " " { line.removeLast() }
            return line
        }
    }
}
