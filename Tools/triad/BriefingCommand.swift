import ArgumentParser
import Foundation
import Marketing
import TriadEvents

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// `triad briefing`: the board table, read from marketing's `GET /briefing`.
struct BriefingCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "briefing", abstract: "Print the board briefing from marketing's API.")

    @Option(help: "Marketing's base URL.")
    var marketing: String = "http://127.0.0.1:8081"

    @Option(help: "Bearer token when marketing protects reads (default: TRIAD_API_TOKEN).")
    var token: String?

    @Flag(help: "Print marketing's JSON instead of the table.")
    var json = false

    func run() async throws {
        guard let base = URL(string: marketing), base.scheme == "http" || base.scheme == "https", base.host != nil
        else {
            throw ValidationError(
                "--marketing must be an http(s) URL such as http://127.0.0.1:8081, got '\(marketing)'")
        }
        var request = URLRequest(url: base.appendingPathComponent("briefing"))
        request.timeoutInterval = 10
        if let token = token ?? ProcessInfo.processInfo.environment["TRIAD_API_TOKEN"] {
            request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        }
        let data: Data
        let response: URLResponse
        do {
            (data, response) = try await URLSession.shared.data(for: request)
        } catch {
            throw ToolError("could not reach marketing at \(marketing): \(error.localizedDescription)")
        }
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        guard status == 200 else {
            let reason = (try? JSONSerialization.jsonObject(with: data) as? [String: Any])
                .flatMap { ($0["error"] as? [String: Any])?["reason"] as? String }
            throw ToolError(
                "marketing answered \(status): \(reason ?? String(decoding: data.prefix(500), as: UTF8.self))")
        }
        if json {
            print(String(decoding: data, as: UTF8.self))
            return
        }
        let briefing: Briefing
        do {
            briefing = try JSONDecoder().decode(Briefing.self, from: data)
        } catch {
            throw ToolError("marketing's briefing could not be read: \(error)")
        }
        print(BriefingTable(briefing).text)
    }
}

/// The briefing as the board reads it: one line per campaign, the totals, churn risk and the
/// recommendations. Amounts are in minor units of the deployment's currency.
struct BriefingTable {
    let briefing: Briefing

    init(_ briefing: Briefing) { self.briefing = briefing }

    var text: String {
        var lines = ["", "=== Executive briefing (\(briefing.currency), amounts in minor units) ==="]
        lines.append(
            row(["campaign", "status", "budget", "spend", "revenue", "conv", "ROI bps", "target", "impr", "clicks"]))
        for line in briefing.campaigns {
            lines.append(
                row([
                    line.campaignId, line.status.rawValue, "\(line.approvedBudget.amountMinor)",
                    "\(line.spend.amountMinor)",
                    "\(line.revenue.amountMinor)", "\(line.conversions)", line.roiBps.map(String.init) ?? "-",
                    "\(line.targetRoiBps)", "\(line.performance.impressions)", "\(line.performance.clicks)",
                ]))
        }
        let totals = briefing.totals
        lines.append(
            row([
                "total", "", "\(totals.approvedBudget.amountMinor)", "\(totals.spend.amountMinor)",
                "\(totals.revenue.amountMinor)",
                "\(totals.conversions)", totals.roiBps.map(String.init) ?? "-",
            ]))
        lines.append("")
        lines.append(
            "Customers at churn risk by segment: "
                + briefing.churnRiskBySegment.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(
                    separator: ", "))
        if let period = briefing.churnRiskPeriod {
            lines.append(
                "Churn-risk episodes in \(period.quarter): "
                    + period.bySegment.sorted { $0.key < $1.key }
                    .map { "\($0.key) flagged \($0.value.flagged), recovered \($0.value.recovered)" }.joined(
                        separator: ", "))
        }
        for envelope in briefing.envelopes {
            lines.append(
                "Envelope \(envelope.quarter): \(envelope.envelope.amountMinor), reserved \(envelope.reserved.amountMinor), "
                    + "released \(envelope.released.amountMinor), left \(envelope.remaining.amountMinor)")
        }
        lines.append("")
        lines.append("Recommendations:")
        for recommendation in briefing.recommendations {
            let target = recommendation.campaignId ?? recommendation.segment ?? ""
            lines.append("  \(pad(recommendation.action.rawValue, 18)) \(pad(target, 10)) \(recommendation.reason)")
        }
        return lines.joined(separator: "\n")
    }

    /// Columns: two left-aligned (campaign, status), the rest right-aligned numbers.
    private static let widths = [10, 10, 10, 10, 10, 5, 8, 7, 5, 6]

    private func row(_ cells: [String]) -> String {
        cells.enumerated().map { index, cell in
            index < 2
                ? pad(cell, Self.widths[index])
                : String(repeating: " ", count: max(0, Self.widths[index] - cell.count)) + cell
        }.joined(separator: " ")
    }

    private func pad(_ text: String, _ width: Int) -> String {
        text + String(repeating: " ", count: max(0, width - text.count))
    }
}
