import Foundation
import TestSupport
import Testing

/// Marketing's page as a browser renders it: headless Chromium loads `GET /`, and every figure in
/// the rendered DOM is checked against the JSON briefing, formatted here independently of the page's
/// own code. A screenshot and a print-to-PDF are kept beside the test's logs; the PDF must be one A4 page.
struct DashboardInBrowser {
    let url: String
    let output: URL

    /// What the check left behind, for a person to look at.
    struct Artifacts {
        let screenshot: URL
        let pdf: URL
    }

    func check(against briefing: [String: Any]) throws -> Artifacts {
        let dom = try chromium(["--dump-dom", url])
        #expect(dom.contains("<h1>Board briefing</h1>"), "the page rendered: \(dom.prefix(300))")
        #expect(
            !dom.contains(" src=") && !dom.contains("http://") && !dom.contains("https://"), "the page needs no asset")

        let campaigns = briefing["campaigns"] as? [[String: Any]] ?? []
        #expect(!campaigns.isEmpty)
        for line in campaigns {
            let id = try #require(line["campaignId"] as? String)
            let row = try #require(
                Self.element(in: dom, opening: "<tr data-campaign=\"\(id)\">", closing: "</tr>"), "row of \(id)")
            let figures = Self.figures(in: row)
            #expect(figures["status"] == line["status"] as? String, "\(id) status")
            #expect(figures["spend"] == Self.money(line["spend"]), "\(id) spend")
            #expect(figures["approved"] == Self.money(line["approvedBudget"]), "\(id) approved")
            #expect(figures["revenue"] == Self.money(line["revenue"]), "\(id) revenue")
            #expect(figures["roi"] == Self.ratio(line["roiBps"] as? Int), "\(id) ROI")
            #expect(figures["target"] == Self.ratio(line["targetRoiBps"] as? Int), "\(id) target")
            #expect(figures["conversions"] == Self.grouped(line["conversions"] as? Int ?? -1), "\(id) conversions")
            #expect(figures["pause-reason"] == (line["pauseReason"] as? String).map { "(\($0))" }, "\(id) pause reason")
            if let roi = line["roiBps"] as? Int, roi < 0 {
                #expect(row.contains("<span class=\"negative\">"), "\(id)'s negative ROI is marked")
            }
            let trend = line["roiTrend"] as? [Any] ?? []
            #expect(
                row.contains("aria-label=\"ROI of the last \(trend.count) reports\"") == (trend.count >= 2),
                "\(id) trend line")
            #expect(row.contains("aria-label=\"spend against budget\""), "\(id) budget bar")
            checkProjection(figures, of: id, against: line["projection"] as? [String: Any])
        }

        let totals = try #require(briefing["totals"] as? [String: Any])
        let page = Self.figures(in: dom)
        #expect(page["total-spend"] == Self.money(totals["spend"]))
        #expect(page["total-approved"] == Self.money(totals["approvedBudget"]))
        #expect(page["total-revenue"] == Self.money(totals["revenue"]))
        #expect(page["total-roi"] == Self.ratio(totals["roiBps"] as? Int))
        #expect(page["total-conversions"] == Self.grouped(totals["conversions"] as? Int ?? -1))
        let spend = Self.minor(totals["spend"])
        let revenue = Self.minor(totals["revenue"])
        let conversions = totals["conversions"] as? Int ?? 0
        // Revenue and spend are never negative: integer division is the floor.
        #expect(page["total-roas"] == Self.ratio(spend > 0 ? revenue * 10_000 / spend : nil))
        #expect(
            page["total-cost-per-order"] == (conversions > 0 ? Self.money(["amountMinor": spend / conversions]) : "–"))
        checkAcquisition(page, against: briefing["acquisition"] as? [String: Any])
        try checkReallocation(dom, page, against: briefing["reallocation"] as? [String: Any])

        let envelopes = briefing["envelopes"] as? [[String: Any]] ?? []
        #expect(!envelopes.isEmpty, "finance reported the envelope")
        for envelope in envelopes {
            let quarter = try #require(envelope["quarter"] as? String)
            let row = try #require(
                Self.element(in: dom, opening: "<tr data-quarter=\"\(quarter)\">", closing: "</tr>"), "\(quarter)")
            let figures = Self.figures(in: row)
            for (figure, field) in [
                ("envelope", "envelope"), ("reserved", "reserved"), ("released", "released"), ("left", "remaining"),
            ] {
                #expect(figures[figure] == Self.money(envelope[field]), "\(quarter) \(figure)")
            }
        }

        for (segment, count) in briefing["churnRiskBySegment"] as? [String: Int] ?? [:] {
            #expect(
                dom.contains("data-segment=\"\(segment)\">\(Self.grouped(count))</text>"), "churn risk in \(segment)")
        }
        for recommendation in briefing["recommendations"] as? [[String: Any]] ?? [] {
            let action = recommendation["action"] as? String ?? "?"
            let target = recommendation["campaignId"] as? String ?? recommendation["segment"] as? String ?? ""
            let robust = recommendation["robust"] as? Bool ?? false
            let holdsUnder = (recommendation["holdsUnder"] as? [String] ?? []).joined(separator: ", ")
            let mark =
                robust
                ? "</li>"
                : " <small class=\"fragile\" data-figure=\"holds-under\">⚠ not robust: holds under \(holdsUnder)</small></li>"
            let line =
                "<li data-recommendation=\"\(action)\" data-robust=\"\(robust)\"><strong>\(action) \(target)</strong>: "
                + Self.reason(recommendation) + mark
            #expect(dom.contains(line), "\(line)")
        }
        for advice in briefing["onlyUnderOtherModels"] as? [[String: Any]] ?? [] {
            let action = advice["action"] as? String ?? "?"
            let holdsUnder = (advice["holdsUnder"] as? [String] ?? []).joined(separator: ", ")
            let line =
                "<li data-other-model=\"\(action)\"><strong>\(action) \(advice["campaignId"] as? String ?? "?")</strong>: "
                + "<small data-figure=\"holds-under\">holds under \(holdsUnder), not under last-touch</small></li>"
            #expect(dom.contains(line), "\(line)")
        }
        try checkModels(dom, against: briefing)

        let artifacts = Artifacts(
            screenshot: output.appendingPathComponent("dashboard.png"),
            pdf: output.appendingPathComponent("dashboard.pdf"))
        _ = try chromium(["--screenshot=\(artifacts.screenshot.path)", "--window-size=1280,1400", url])
        _ = try chromium(["--print-to-pdf=\(artifacts.pdf.path)", "--no-pdf-header-footer", url])
        #expect(
            ((try? FileManager.default.attributesOfItem(atPath: artifacts.screenshot.path)[.size] as? Int) ?? 0)
                > 10_000)
        let info = try Self.run(URL(fileURLWithPath: "/usr/bin/pdfinfo"), [artifacts.pdf.path])
        #expect(info.contains { $0.hasPrefix("Pages:") && $0.hasSuffix(" 1") }, "one page: \(info)")
        #expect(info.contains { $0.hasPrefix("Page size:") && $0.contains("(A4)") }, "A4: \(info)")
        return artifacts
    }

    /// Finance's projection at planning time beside the campaign's target: its ROI and revenue from
    /// the channel's curve, or the reason there is none.
    private func checkProjection(_ figures: [String: String], of id: String, against projection: [String: Any]?) {
        guard let projection else {
            #expect(figures["projected-roi"] == nil, "\(id) has no projection")
            return
        }
        #expect(figures["projected-roi"] == Self.ratio(projection["projectedRoiBps"] as? Int), "\(id) projected ROI")
        #expect(
            figures["projected-revenue"] == projection["projectedRevenue"].map { Self.money($0) },
            "\(id) projected revenue")
        let reason = projection["reason"] as? String
        #expect(figures["projection-reason"] == (reason == "curve" ? nil : reason), "\(id) projection reason")
    }

    /// The acquisition tiles: new customers, CAC, cost per order and MER of finance's newest quarter.
    private func checkAcquisition(_ page: [String: String], against acquisition: [String: Any]?) {
        guard let acquisition else {
            #expect(page["acquisition-new-customers"] == nil, "no acquisition tiles before finance's first report")
            return
        }
        let money = { (field: String) in (acquisition[field] as? Int).map { Self.money(["amountMinor": $0]) } ?? "–" }
        #expect(page["acquisition-new-customers"] == Self.grouped(acquisition["newCustomers"] as? Int ?? -1))
        #expect(page["acquisition-cac"] == money("cacMinor"))
        #expect(page["acquisition-cost-per-order"] == money("costPerOrderMinor"))
        #expect(page["acquisition-mer"] == Self.ratio(acquisition["merBps"] as? Int))
    }

    /// The proposed split: per channel the current and proposed amounts as bars to one scale (the
    /// largest amount fills 160 px, floored), the figures, the expected revenue gain (proposed less
    /// current expected revenue; none without a curve) and the reason; the total gain below.
    private func checkReallocation(_ dom: String, _ page: [String: String], against reallocation: [String: Any]?) throws
    {
        guard let reallocation else {
            #expect(!dom.contains("data-channel="), "no reallocation before finance's first proposal")
            return
        }
        let channels = reallocation["channels"] as? [[String: Any]] ?? []
        let largest = channels.map { max(Self.minor($0["current"]), Self.minor($0["proposed"])) }.max() ?? 0
        func bar(_ amount: Int) -> Int { largest > 0 ? max(amount, 0) * 160 / largest : 0 }
        var total: Int?
        for line in channels {
            let channel = try #require(line["channel"] as? String)
            let row = try #require(
                Self.element(in: dom, opening: "<tr data-channel=\"\(channel)\">", closing: "</tr>"),
                "row of \(channel)")
            let figures = Self.figures(in: row)
            #expect(figures["current"] == Self.money(line["current"]), "\(channel) current")
            #expect(figures["current-share"] == Self.ratio(line["currentShareBps"] as? Int), "\(channel) share")
            #expect(figures["proposed"] == Self.money(line["proposed"]), "\(channel) proposed")
            #expect(figures["marginal-roas"] == Self.ratio(line["marginalRoasBps"] as? Int), "\(channel) ROAS")
            #expect(figures["reason"] == line["reason"] as? String, "\(channel) reason")
            var gain: String = "–"
            if let proposed = line["expectedRevenueProposed"], let current = line["expectedRevenueCurrent"],
                !(proposed is NSNull), !(current is NSNull)
            {
                let minor = Self.minor(proposed) - Self.minor(current)
                total = (total ?? 0) + minor
                gain = Self.money(["amountMinor": minor])
            }
            #expect(figures["gain"] == gain, "\(channel) expected revenue gain")
            #expect(
                row.contains("<rect width=\"\(bar(Self.minor(line["current"])))\" height=\"8\" class=\"current\""),
                "\(channel)'s current bar: \(row)")
            #expect(
                row.contains(
                    "<rect y=\"10\" width=\"\(bar(Self.minor(line["proposed"])))\" height=\"8\" class=\"fill\""),
                "\(channel)'s proposed bar: \(row)")
        }
        #expect(page["reallocation-envelope"] == Self.money(reallocation["envelope"]))
        #expect(page["reallocation-gain"] == total.map { Self.money(["amountMinor": $0]) } ?? "–")
    }

    /// The campaigns × models ROI table, each cell shaded when below the campaign's target; and the
    /// data-driven shares beside the rule-based ones, a campaign any of them credits a row.
    private func checkModels(_ dom: String, against briefing: [String: Any]) throws {
        let models = ["last-touch", "first-touch", "linear", "time-decay", "position-based"]
        for line in briefing["campaigns"] as? [[String: Any]] ?? [] {
            let id = try #require(line["campaignId"] as? String)
            let row = try #require(
                Self.element(in: dom, opening: "<tr data-models=\"\(id)\">", closing: "</tr>"), "models row of \(id)")
            let figures = Self.figures(in: row)
            let target = line["targetRoiBps"] as? Int ?? 0
            let roi = try #require(line["roiByModel"] as? [String: Any], "\(id) roiByModel")
            #expect(Set(roi.keys) == Set(models), "\(id): every model, null or not")
            for model in models {
                let bps = roi[model] as? Int
                #expect(figures["roi-\(model)"] == Self.ratio(bps), "\(id) ROI under \(model)")
                #expect(
                    row.contains("<td class=\"below\" data-figure=\"roi-\(model)\">")
                        == (bps.map { $0 < target } ?? false),
                    "\(id) under \(model) against its target")
            }
            #expect(figures["target"] == Self.ratio(target), "\(id) target")
        }
        guard let dataDriven = briefing["dataDriven"] as? [String: Any] else {
            #expect(!dom.contains("data-shares="), "no data-driven section before IT's first computation")
            return
        }
        func shares(_ list: Any?) -> [String: Int] {
            Dictionary(
                uniqueKeysWithValues: (list as? [[String: Any]] ?? []).map {
                    ($0["campaignId"] as? String ?? "?", $0["bps"] as? Int ?? -1)
                })
        }
        let rules = dataDriven["ruleShares"] as? [String: Any] ?? [:]
        let lists = [("markov", shares(dataDriven["shares"]))] + models.map { ($0, shares(rules[$0])) }
        for id in Set(lists.flatMap(\.1.keys)) {
            let row = try #require(
                Self.element(in: dom, opening: "<tr data-shares=\"\(id)\">", closing: "</tr>"), "shares row of \(id)")
            let figures = Self.figures(in: row)
            for (model, list) in lists {
                #expect(figures["share-\(model)"] == Self.ratio(list[id] ?? 0), "\(id)'s \(model) share")
            }
        }
    }

    // MARK: Chromium

    /// Headless Chromium with a throwaway profile; stdout only (its own logs go to stderr).
    private func chromium(_ arguments: [String]) throws -> String {
        let profile = output.appendingPathComponent("chromium-profile-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: profile) }
        let lines = try Self.run(
            URL(fileURLWithPath: "/usr/bin/chromium"),
            [
                "--headless", "--no-sandbox", "--disable-gpu", "--user-data-dir=\(profile.path)",
                "--virtual-time-budget=5000",
            ] + arguments)
        return lines.joined(separator: "\n")
    }

    private static func run(_ executable: URL, _ arguments: [String]) throws -> [String] {
        let (status, text) = try runToEnd(executable, arguments, discardingStandardError: true)
        #expect(status == 0, "\(executable.lastPathComponent) \(arguments) exited \(status)")
        return text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    }

    // MARK: Reading the DOM

    static func element(in html: String, opening: String, closing: String) -> String? {
        guard let start = html.range(of: opening),
            let end = html.range(of: closing, range: start.upperBound..<html.endIndex)
        else { return nil }
        return String(html[start.lowerBound..<end.upperBound])
    }

    /// `data-figure` name → its text, tags inside stripped.
    static func figures(in html: String) -> [String: String] {
        var figures: [String: String] = [:]
        let pattern = try! NSRegularExpression(
            pattern: #"data-figure="([^"]+)"[^>]*>(.*?)</(td|span|strong|small)>"#, options: [.dotMatchesLineSeparators]
        )
        let text = html as NSString
        for match in pattern.matches(in: html, range: NSRange(location: 0, length: text.length)) {
            let name = text.substring(with: match.range(at: 1))
            let value = text.substring(with: match.range(at: 2)).replacingOccurrences(
                of: #"<[^>]+>"#, with: "", options: .regularExpression)
            figures[name] = value.replacingOccurrences(of: "&amp;", with: "&")
        }
        return figures
    }

    // MARK: Formatting, written here from the README's rules (EUR: two decimals, thousands separated)

    static func minor(_ money: Any?) -> Int { (money as? [String: Any])?["amountMinor"] as? Int ?? 0 }

    static func grouped(_ value: Int) -> String {
        let formatter = NumberFormatter()
        formatter.numberStyle = .decimal
        formatter.groupingSeparator = ","
        formatter.usesGroupingSeparator = true
        formatter.locale = Locale(identifier: "en_US_POSIX")
        let text = formatter.string(from: NSNumber(value: abs(value))) ?? "?"
        return (value < 0 ? "−" : "") + text
    }

    static func money(_ money: Any?) -> String {
        let amount = minor(money)
        return (amount < 0 ? "−" : "") + grouped(abs(amount) / 100) + String(format: ".%02d", abs(amount) % 100)
            + " EUR"
    }

    /// A recommendation's reason as the page words it, from its grounds.
    static func reason(_ recommendation: [String: Any]) -> String {
        let grounds = recommendation["grounds"] as? [String: Any] ?? [:]
        let figure = { (name: String) in grounds[name] as? Int }
        switch recommendation["action"] as? String {
        case "scale":
            return "ROI \(ratio(figure("roiBps"))) meets the \(ratio(figure("targetRoiBps"))) target with spend under "
                + "\(figure("spendPercent") ?? -1) % of budget"
        case "pause":
            return
                "ROI \(ratio(figure("roiBps"))) is negative with spend at or over \(figure("spendPercent") ?? -1) % of budget"
        default:
            return
                "\(grouped(figure("customers") ?? -1)) customers at churn risk (threshold \(figure("threshold") ?? -1))"
        }
    }

    static func ratio(_ bps: Int?) -> String {
        guard let bps else { return "–" }
        return (bps < 0 ? "−" : "") + grouped(abs(bps) / 100) + String(format: ".%02d", abs(bps) % 100) + " %"
    }
}
