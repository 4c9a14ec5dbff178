import Foundation
import TestSupport
import Testing
import TriadEvents

/// The reallocation over the real local broker: three service processes, spend from the ad platform
/// and purchases from the shop for eight weeks in which search saturates and social does not.
@Suite(.serialized) struct ReallocationFlowTests {
    /// 2026-Q4 approves 6,000,000 for search and 4,000,000 for social of a 10,000,000 envelope. Week k
    /// (k = 1 … 8, Mondays from 2026-10-05): search spends 100,000·k for 400,000·k^0.3 (α = 0.3: it
    /// saturates), social 50,000·k for 150,000·k (α = 1, three back per unit: it does not). For
    /// 2027-Q1 (90 days) the weekly curves are taken over 90/7 weeks: search's β grows by (90/7)^0.7,
    /// social's stays. The lower bounds (70 %: 4,200,000 and 2,800,000) leave 30 steps of 100,000:
    /// social's 300,000 a step beats search's under 52,000 until social reaches its upper bound (130 %:
    /// 5,200,000), and search takes the last six. 1,200,000 moves from search to social.
    @Test func theEnvelopeMovesFromTheSaturatedChannel() async throws {
        let logs = Paths.scratch("e2e-reallocation")
        let envelope = ["TRIAD_FINANCE_QUARTERLY_ENVELOPE_MINOR": "10000000"]
        let statuses = try await TriadServices.play(logs: logs, environment: [.finance: envelope]) {
            try await play($0, logs: logs)
        }
        #expect(statuses == [.marketing: 0, .finance: 0, .it: 0], "every service stops cleanly on SIGTERM")
    }

    func play(_ suite: TriadServices, logs: URL) async throws {
        let marketing = suite.http(.marketing)
        let finance = suite.http(.finance)
        for (id, channel, budget) in [("c-search", "search", 6_000_000), ("c-social", "social", 4_000_000)] {
            let plan =
                #"{"id":"\#(id)","name":"\#(id)","channel":"\#(channel)","segment":"all","requestedBudget":{"amountMinor":\#(budget),"currency":"EUR"},"startDate":"2026-10-01","endDate":"2026-12-31","targetRoiBps":2000}"#
            #expect(try await marketing.post("/campaigns", json: plan).status == 201)
            _ = try await eventually("finance's approval of \(id)") {
                try await marketing.get("/campaigns/\(id)").object["status"] as? String == "approved" ? true : nil
            }
        }

        /// Week k's spend and revenue per campaign.
        func weekly(_ k: Int) -> [(String, Int, Int)] {
            [
                ("c-search", 100_000 * k, Int((400_000 * pow(Double(k), 0.3)).rounded())),
                ("c-social", 50_000 * k, 150_000 * k),
            ]
        }
        var spend: [String] = []
        var interactions: [String] = []
        let mondays = ["10-05", "10-12", "10-19", "10-26", "11-02", "11-09", "11-16", "11-23"]
        for (index, monday) in mondays.enumerated() {
            let k = index + 1
            let date = "2026-\(monday)"
            for (id, amount, revenue) in weekly(k) {
                let customer = "\(id)-\(k)"
                spend.append(
                    #"{"specversion":"1.0","id":"spend-\#(customer)","source":"/ads","type":"triad.ad-spend.reported","subject":"\#(id)","schemaversion":1,"data":{"campaignId":"\#(id)","amount":{"amountMinor":\#(amount),"currency":"EUR"},"occurredAt":"\#(date)T09:00:00Z"}}"#
                )
                interactions += [
                    #"{"specversion":"1.0","id":"click-\#(customer)","source":"/shop","type":"triad.customer.interaction","subject":"\#(customer)","schemaversion":1,"data":{"customerId":"\#(customer)","kind":"click","occurredAt":"\#(date)T10:00:00Z","campaignId":"\#(id)","segment":"all"}}"#,
                    #"{"specversion":"1.0","id":"buy-\#(customer)","source":"/shop","type":"triad.customer.interaction","subject":"\#(customer)","schemaversion":1,"data":{"customerId":"\#(customer)","kind":"purchase","occurredAt":"\#(date)T11:00:00Z","orderId":"o-\#(customer)","revenue":{"amountMinor":\#(revenue),"currency":"EUR"},"segment":"all"}}"#,
                ]
            }
        }
        let spendFile = logs.appendingPathComponent("reallocation-spend.jsonl")
        let shopFile = logs.appendingPathComponent("reallocation-shop.jsonl")
        try spend.joined(separator: "\n").write(to: spendFile, atomically: true, encoding: .utf8)
        try interactions.joined(separator: "\n").write(to: shopFile, atomically: true, encoding: .utf8)
        try publishWithPython(brokers: suite.broker.bootstrapServers, topic: "ads.spend", file: spendFile)
        try publishWithPython(brokers: suite.broker.bootstrapServers, topic: "customer.interactions", file: shopFile)

        func split(_ channels: Any?) -> [String] {
            (channels as? [[String: Any]] ?? []).map {
                "\($0["channel"] ?? "?") \($0["currentShareBps"] ?? "?") \(minor($0["current"] ?? 0) ?? -1)"
                    + " \(minor($0["proposed"] ?? 0) ?? -1) \($0["reason"] ?? "?")"
            }
        }
        let expected = [
            "search 6000 6000000 4800000 below-break-even", "social 4000 4000000 5200000 bounded",
        ]
        // The split settles on a few weeks already (the data lie on their curves), the figures only
        // once finance has booked all eight weeks' revenue: wait for the revenue, then read.
        var revenues: [String: Int] = [:]
        for (id, _, revenue) in mondays.indices.flatMap({ index in weekly(index + 1) }) {
            revenues[id, default: 0] += revenue
        }
        for (id, total) in revenues {
            _ = try await eventually("finance to book all of \(id)'s revenue", timeout: .seconds(60)) {
                try await finance.get("/campaigns/\(id)/roi").object["revenue"].flatMap(minor) == total ? true : nil
            }
        }
        let proposal = try await finance.get("/reallocation").object
        #expect(split(proposal["channels"]) == expected)
        #expect(proposal["quarter"] as? String == "2027-Q1" && proposal["model"] as? String == "last-touch")
        #expect(proposal["envelope"].flatMap(minor) == 10_000_000)
        let social = (proposal["channels"] as? [[String: Any]])?.last
        // Social's curve is R = 3·S: revenue at the proposal exactly three times its amount.
        #expect(social?["expectedRevenueProposed"].flatMap(minor) == 15_600_000)
        // Its marginal ROAS is 3 (β fits to 3 within a few units in the last place, floored: 29,999 or 30,000).
        #expect((29_999...30_000).contains(social?["marginalRoasBps"] as? Int ?? 0))
        // Search's quarterly curve (α = 0.3, β = 12,649.14·(90/7)^0.7) at 6,000,000 and at 4,800,000, and its
        // marginal ROAS there, 0.3 × 7,635,432 / 4,800,000 = 0.4772: below break-even.
        let search = (proposal["channels"] as? [[String: Any]])?.first
        #expect(search?["expectedRevenueCurrent"].flatMap(minor) == 8_164_067)
        #expect(search?["expectedRevenueProposed"].flatMap(minor) == 7_635_432)
        #expect(search?["marginalRoasBps"] as? Int == 4772)

        // The board gets the same split on the event, with what it would bring. The event goes out when
        // the split moves by a step, so its figures are those of the weeks finance had booked then —
        // on all eight weeks: social gains 15,600,000 − 12,000,000, search loses 8,164,067 − 7,635,432
        // = 528,635, a gain of 3,071,365; on fewer, within a few units of it.
        let reallocation = try await eventually("the briefing's reallocation", timeout: .seconds(60)) {
            () -> [String: Any]? in
            let briefing = try await marketing.get("/briefing").object["reallocation"] as? [String: Any]
            return split(briefing?["channels"]) == expected ? briefing : nil
        }
        #expect(reallocation["quarter"] as? String == "2027-Q1")
        #expect((reallocation["revision"] as? Int ?? 0) >= 1)
        let gain = reallocation["expectedRevenueGain"].flatMap(minor) ?? 0
        let channels = reallocation["channels"] as? [[String: Any]] ?? []
        let sum = channels.reduce(0) {
            $0 + ($1["expectedRevenueProposed"].flatMap(minor) ?? 0)
                - ($1["expectedRevenueCurrent"].flatMap(minor) ?? 0)
        }
        #expect(gain == sum, "the gain is the channels' proposed revenue less their current")
        #expect(abs(gain - 3_071_365) <= 100, "gain \(gain)")
    }
}
