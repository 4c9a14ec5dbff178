import Foundation
import TestSupport
import Testing
import TriadKafka

/// The broker paused (SIGSTOP) for over 10 s mid-stream, then resumed: nothing lost, nothing twice.
@Suite(.serialized) struct OutageTests {
    @Test func aBrokerOutageMidStreamLosesNothing() async throws {
        let harness = try await Harness.start("outage", workload: Workload(size: 8_000, prefix: "outage"))
        let statuses = try await harness.run {
            try await harness.planAndLaunchCampaigns()
            try await harness.publish(0..<3_000)
            let pausedAt = ContinuousClock.now
            harness.broker.process.signal(SIGSTOP)
            // The rest is handed to librdkafka while the broker is frozen; it delivers once it is back.
            let publishing = Task { try await harness.publish(3_000..<8_000) }
            try await Task.sleep(for: .seconds(12))
            harness.broker.process.signal(SIGCONT)
            let outage = ContinuousClock.now - pausedAt
            try await publishing.value
            try await harness.waitForExactState()
            let emitted = try await harness.checkEmittedEvents()
            harness.report(
                "outage-seconds=\(outage.components.seconds) attributions=\(emitted.attributions) churn-events=\(emitted.churn)"
            )
            #expect(outage >= .seconds(10))
        } onFailure: {
            harness.broker.process.signal(SIGCONT)
        }
        #expect(statuses.values.allSatisfy { $0 == 0 }, "\(statuses)")
    }
}

/// A hostile stream: good events interleaved with every class of bad input — broken JSON, unknown
/// types, newer schemas, wrong currencies, missing fields, oversized values, amounts past their
/// bound, impossible and far-future dates, control characters in ids, over-long event ids — on every
/// topic a service consumes, and hostile requests on the HTTP routes; and one message of each
/// event-borne class of issue 23: a total past one amount's bound, canonically equivalent ids,
/// timestamps at the year edges, forged internal events, values that are not strict JSON. Each bad
/// message lands in the dead-letter topic once with its code and a reason naming its field, every
/// good event is applied exactly once, the totals equal the workload's, and no process restarts.
/// On both stores.
@Suite(.serialized) struct PoisonTests {
    /// A message a service must refuse: dead-lettered exactly once with `code`, and with a reason
    /// that names `field` where there is one.
    struct Bad {
        let topic: String
        let key: [UInt8]
        let value: [UInt8]
        let code: String
        var field: String?
        var headers: [KafkaHeader] = []

        init(
            _ topic: String, _ key: String, _ value: [UInt8], _ code: String, field: String? = nil,
            headers: [KafkaHeader] = []
        ) {
            self.topic = topic
            self.key = Array(key.utf8)
            self.value = value
            self.code = code
            self.field = field
            self.headers = headers
        }

        var message: OutgoingMessage { OutgoingMessage(topic: topic, key: key, value: value, headers: headers) }
    }

    func event(
        _ id: String, type: String = "triad.customer.interaction", version: Int = 1, source: String = "/poison",
        data: String
    ) -> [UInt8] {
        Array(
            #"{"specversion":"1.0","id":"\#(id)","source":"\#(source)","type":"\#(type)","schemaversion":\#(version),"data":\#(data)}"#
                .utf8)
    }

    func interaction(_ id: String, data: String, version: Int = 1, type: String = "triad.customer.interaction")
        -> [UInt8]
    {
        event(id, type: type, version: version, data: data)
    }

    @Test(arguments: Store.allCases) func badMessagesAreDeadLetteredAndTheRestFlows(store: Store) async throws {
        var environment: [TriadServices.Name: [String: String]] = [
            .it: ["TRIAD_MAX_EVENT_BYTES": "65536"], .finance: ["TRIAD_MAX_EVENT_BYTES": "65536"],
        ]
        if store == .postgres {
            for service in TriadServices.Name.allCases {
                environment[service, default: [:]]["TRIAD_DATABASE_URL"] = try LocalPostgres.createDatabase(
                    "poison_\(service.rawValue)")
            }
        }
        var workload = Workload(size: 6_000, prefix: "poison")
        let valid = roundTwoValid(counting: &workload)
        let harness = try await Harness.start("poison-\(store.rawValue)", workload: workload, environment: environment)
        let click = #"{"customerId":"cust-1","kind":"click","occurredAt":"2026-10-01T00:00:00Z"}"#
        let poison: [Bad] =
            [
                Bad(
                    "customer.interactions", "cust-1", Array("{\"specversion\": \"1.0\", broken".utf8),
                    "malformed-event"),
                Bad(
                    "customer.interactions", "cust-2",
                    interaction("p-type", data: "{}", type: "triad.customer.teleported"), "unknown-type"),
                Bad(
                    "customer.interactions", "cust-3", interaction("p-version", data: click, version: 2),
                    "unsupported-schema-version"),
                Bad(
                    "customer.interactions", "cust-4",
                    interaction(
                        "p-currency",
                        data:
                            #"{"customerId":"cust-4","kind":"purchase","occurredAt":"2026-10-01T00:00:00Z","orderId":"px","revenue":{"amountMinor":5,"currency":"USD"}}"#
                    ), "wrong-currency"),
                Bad(
                    "customer.interactions", "cust-5",
                    interaction("p-missing", data: #"{"customerId":"cust-5","occurredAt":"2026-10-01T00:00:00Z"}"#),
                    "invalid-data"),
                Bad(
                    "customer.interactions", "cust-6", Array(repeating: UInt8(ascii: "x"), count: 100_000),
                    "malformed-event"),
                Bad(
                    "ads.spend", "rc-0",
                    Array(
                        #"{"specversion":"1.0","id":"p-negative","source":"/poison","type":"triad.ad-spend.reported","schemaversion":1,"data":{"campaignId":"rc-0","amount":{"amountMinor":-100,"currency":"EUR"}}}"#
                            .utf8), "invalid-data"),
                Bad(
                    "ads.spend", "rc-1",
                    Array(
                        #"{"specversion":"1.0","id":"p-spend-currency","source":"/poison","type":"triad.ad-spend.reported","schemaversion":1,"data":{"campaignId":"rc-1","amount":{"amountMinor":100,"currency":"GBP"}}}"#
                            .utf8), "wrong-currency"),
                // Event-time poisoning, impossible dates, ids with control characters or past their length,
                // an amount past its bound, a forged log line in the type.
                Bad(
                    "customer.interactions", "cust-7",
                    interaction(
                        "p-future",
                        data: #"{"customerId":"cust-7","kind":"impression","occurredAt":"9999-12-31T00:00:00Z"}"#),
                    "invalid-data"),
                Bad(
                    "customer.interactions", "cust-8",
                    interaction(
                        "p-feb30", data: #"{"customerId":"cust-8","kind":"click","occurredAt":"2026-02-30T00:00:00Z"}"#),
                    "invalid-data"),
                Bad(
                    "customer.interactions", "cust-9",
                    interaction(
                        "p-nul",
                        data: #"{"customerId":"cust-9\u0000a","kind":"click","occurredAt":"2026-10-01T00:00:00Z"}"#),
                    "invalid-data"),
                Bad(
                    "customer.interactions", "cust-10",
                    interaction(
                        String(repeating: "i", count: 40_000),
                        data: #"{"customerId":"cust-10","kind":"visit","occurredAt":"2026-10-01T00:00:00Z"}"#),
                    "invalid-data"),
                Bad(
                    "customer.interactions", "cust-11",
                    interaction(
                        "p-revenue",
                        data:
                            #"{"customerId":"cust-11","kind":"purchase","occurredAt":"2026-10-01T00:00:00Z","orderId":"p-o","revenue":{"amountMinor":1000000000000001,"currency":"EUR"}}"#
                    ), "invalid-data"),
                Bad(
                    "customer.interactions", "cust-12", interaction("p-forge", data: "{}", type: "x\\nFORGED critical"),
                    "unknown-type"),
                Bad(
                    "ads.spend", "rc-2",
                    event(
                        "p-spend-huge", type: "triad.ad-spend.reported",
                        data: #"{"campaignId":"rc-2","amount":{"amountMinor":5000000000000000000,"currency":"EUR"}}"#),
                    "invalid-data"),
                Bad(
                    "ads.spend", "rc-3",
                    event(
                        "p-spend-nul", type: "triad.ad-spend.reported",
                        data: #"{"campaignId":"rc-3\u0000b","amount":{"amountMinor":100,"currency":"EUR"}}"#),
                    "invalid-data"),
                // Every other consumed topic: finance's and marketing's inputs.
                Bad("marketing.campaigns", "rc-0", Array("{not json".utf8), "malformed-event"),
                Bad("it.attributions", "rc-0", Array("[]".utf8), "malformed-event"),
                Bad("finance.budget-decisions", "rc-0", Array("{\"specversion\":".utf8), "malformed-event"),
                Bad(
                    "finance.roi", "rc-0", event("p-roi", type: "triad.roi.reported", data: #"{"campaignId":"rc-0"}"#),
                    "invalid-data"),
                Bad(
                    "it.insights", "cust-1",
                    event(
                        "p-cleared", type: "triad.churn-risk.cleared",
                        data:
                            #"{"customerId":"cust-1","segment":"s0","activity":"impression","clearedAt":"2026-10-01T00:00:00Z"}"#
                    ), "invalid-data"),
            ] + roundTwoBad()
        // Who dead-letters a bad message: every service that consumes its topic (it.insights has two).
        let owners: [String: [String]] = [
            "customer.interactions": ["it"], "ads.spend": ["finance"], "marketing.campaigns": ["finance"],
            "it.attributions": ["finance"], "finance.budget-decisions": ["marketing"], "finance.roi": ["marketing"],
            "it.insights": ["marketing", "finance"],
        ]
        try await harness.run {
            try await harness.planAndLaunchCampaigns()
            let pids = harness.services.processes.mapValues(\.pid)
            // Round two's good messages go first: the spend past 10^15 is then the one that exceeds rc-7's budget.
            try await harness.publish(valid: valid)
            let step = harness.workload.messages.count / poison.count
            for (index, bad) in poison.enumerated() {
                try await harness.publish(index * step..<(index + 1) * step)
                try await harness.publish(raw: [bad.message], mustBeDeadLettered: true)
                if index == poison.count / 2 { try await hostileRequests(harness) }
            }
            try await harness.publish(poison.count * step..<harness.workload.messages.count)
            try await harness.waitForExactState()
            _ = try await harness.checkEmittedEvents()
            try await checkRoundTwoState(harness)

            var letters: [String: [ConsumedMessage]] = [:]
            for service in ["it", "finance", "marketing"] {
                let expected = poison.filter { owners[$0.topic]?.contains(service) == true }.count
                letters[service] = try await eventually("\(expected) dead letters of \(service)", timeout: .seconds(30))
                {
                    let found = try await harness.deadLetters(of: service)
                    return found.count >= expected ? found : nil
                }
                #expect(
                    letters[service]?.count == expected, "each bad message is dead-lettered once by \(service)")
            }
            let all = letters.values.flatMap { $0 }
            for bad in poison {
                let label = "\(bad.topic) \(String(decoding: bad.key, as: UTF8.self))"
                let found = all.filter {
                    $0.header("dead-letter-source-topic")?.text == bad.topic && $0.value == bad.value
                }
                let consumers = owners[bad.topic]?.count ?? 0
                #expect(found.count == consumers, "\(label): dead-lettered \(found.count) times, not \(consumers)")
                let letter = found.first
                let reason = letter?.header("dead-letter-reason")?.text ?? "no dead letter"
                #expect(letter?.header("dead-letter-code")?.text == bad.code, "\(label): \(reason)")
                #expect(reason.hasPrefix(bad.code + ": " + (bad.field.map { $0 + ": " } ?? "")), "\(label): \(reason)")
                #expect(letter?.key == bad.key, "\(label)")
            }
            // Nothing the stream carried restarted a process or forged a log line.
            for (name, process) in harness.services.processes {
                #expect(process.isRunning && process.pid == pids[name], "\(name) kept running")
                #expect(!process.output.split(separator: "\n").contains { $0.hasPrefix("FORGED") })
            }

            // Operators see them with `triad dlq list` and send one back with `triad dlq replay`.
            let listed = try runTriad(["dlq", "list", "--service", "it", "--brokers", harness.broker.bootstrapServers])
            #expect(listed.contains("\(letters["it"]?.count ?? 0) dead letter(s) on it.dead-letter"), "\(listed)")
            #expect(listed.contains("id=p-currency"))
            let replayed = try runTriad([
                "dlq", "replay", "--service", "finance", "--id", "p-spend-currency", "--brokers",
                harness.broker.bootstrapServers,
            ])
            #expect(replayed.contains("replayed 1 dead letter(s)"))
            // Still in the wrong currency, so it comes back to the dead-letter topic, from a new offset.
            let financeCount = letters["finance"]?.count ?? 0
            let again = try await eventually("the replayed event to be dead-lettered again", timeout: .seconds(30)) {
                let letters = try await harness.deadLetters(of: "finance")
                return letters.count == financeCount + 1 ? letters : nil
            }
            let offsets = Set(
                again.filter { $0.value == poison[7].value }.compactMap { $0.header("dead-letter-source-offset")?.text }
            )
            #expect(offsets.count == 2)
            harness.report("store=\(store.rawValue) dead-letters=\(all.count)")
        }
    }

    // MARK: Issue 23's event-borne classes

    static let nfc = "caf\u{E9}"
    static let nfd = "cafe\u{301}"

    /// The good messages of round two, published ahead of the stream, counted into `workload`:
    /// - a spend that takes rc-7's total past one amount's bound (500, then 10^15): finance books
    ///   it, its *budget exceeded* and ROI reports carry the total, and marketing takes them;
    /// - two customers, campaigns, orders and event ids that differ only as NFC `café` and NFD
    ///   `café` do: each its own. The NFC customer clicks on its campaign and buys (attributed by
    ///   that touch), the NFD customer sees its campaign and buys (organic: no touch); both then
    ///   unsubscribe (one churn risk each).
    func roundTwoValid(counting workload: inout Workload) -> [OutgoingMessage] {
        func spend(_ id: String, _ campaign: String, _ amount: Int64) -> OutgoingMessage {
            OutgoingMessage(
                topic: "ads.spend", key: Array(campaign.utf8),
                value: event(
                    id, type: "triad.ad-spend.reported",
                    data: #"{"campaignId":"\#(campaign)","amount":{"amountMinor":\#(amount),"currency":"EUR"}}"#))
        }
        func interaction(_ id: String, _ customer: String, _ minute: Int, _ fields: String) -> OutgoingMessage {
            OutgoingMessage(
                topic: "customer.interactions", key: Array(customer.utf8),
                value: event(
                    id,
                    data:
                        #"{"customerId":"\#(customer)","segment":"s0","occurredAt":"2026-10-01T00:00:\#(10 + minute)Z",\#(fields)}"#
                ))
        }
        var messages = [spend("t-500", "rc-7", 500), spend("t-quadrillion", "rc-7", 1_000_000_000_000_000)]
        workload.countSpend(500 + 1_000_000_000_000_000, on: "rc-7")
        for (form, amount) in [(Self.nfc, Int64(10)), (Self.nfd, Int64(20))] {
            messages.append(spend("u-\(form)", "camp-\(form)", amount))
        }
        let (nfc, nfd) = (Self.nfc, Self.nfd)
        messages += [
            interaction("u-touch-\(nfc)", "cust-\(nfc)", 0, #""kind":"click","campaignId":"camp-\#(nfc)""#),
            interaction("u-touch-\(nfd)", "cust-\(nfd)", 0, #""kind":"impression","campaignId":"camp-\#(nfd)""#),
            interaction(
                "u-buy-\(nfc)", "cust-\(nfc)", 1,
                #""kind":"purchase","orderId":"order-\#(nfc)","revenue":{"amountMinor":300,"currency":"EUR"}"#),
            interaction(
                "u-buy-\(nfd)", "cust-\(nfd)", 1,
                #""kind":"purchase","orderId":"order-\#(nfd)","revenue":{"amountMinor":700,"currency":"EUR"}"#),
            // IT derives its churn-risk events' ids from these: the harness keys emitted events by id as
            // Swift strings, which would take two canonically equivalent ids for one.
            interaction("u-bye-nfc", "cust-\(nfc)", 2, #""kind":"unsubscribe""#),
            interaction("u-bye-nfd", "cust-\(nfd)", 2, #""kind":"unsubscribe""#),
        ]
        workload.countOrder("order-\(nfc)", revenue: 300, attributed: true)
        workload.countOrder("order-\(nfd)", revenue: 700, attributed: false)
        workload.countChurnRisk(of: "cust-\(nfc)", segment: "s0")
        workload.countChurnRisk(of: "cust-\(nfd)", segment: "s0")
        return messages
    }

    /// The bad messages of round two. Each one, were it taken, would change a figure the oracle
    /// checks (a click on rc-0, spend on rc-1, the board's envelope or rc-0's ROI).
    func roundTwoBad() -> [Bad] {
        let click = #""kind":"click","occurredAt":"2026-10-01T00:00:00Z","campaignId":"rc-0""#
        func clicking(_ id: String, _ customer: String, extra: String = "", top: String = "") -> [UInt8] {
            let data = #"{"customerId":"\#(customer)",\#(click)\#(extra)}"#
            return Array(
                #"{"specversion":"1.0","id":"\#(id)","source":"/poison","type":"triad.customer.interaction","schemaversion":1,"data":\#(data)\#(top)}"#
                    .utf8)
        }
        let binaryHeaders = [
            KafkaHeader("ce_specversion", "1.0"), KafkaHeader("ce_id", "h-binary"), KafkaHeader("ce_source", "/poison"),
            KafkaHeader("ce_type", "triad.customer.interaction"), KafkaHeader("ce_schemaversion", "1"),
        ]
        let notUTF8 =
            Array(
                #"{"specversion":"1.0","id":"h-utf8","source":"/poison","type":"triad.customer.interaction","schemaversion":1,"data":{"customerId":"cust-h3",\#(click),"extra":"a"#
                    .utf8)
            + [0xFF] + Array(#"b"}}"#.utf8)
        func envelope(_ id: String, source: String, revision: Int64) -> [UInt8] {
            event(
                id, type: "triad.envelope.changed", source: source,
                data:
                    #"{"quarter":"2026-Q4","envelope":{"amountMinor":1000000000000,"currency":"EUR"},"reserved":{"amountMinor":0,"currency":"EUR"},"released":{"amountMinor":0,"currency":"EUR"},"revision":\#(revision)}"#
            )
        }
        return [
            // Timestamps at the year edges: outside 0001–9999 once the offset is applied.
            Bad(
                "customer.interactions", "cust-h1",
                event(
                    "h-year-1",
                    data:
                        #"{"customerId":"cust-h1","kind":"click","occurredAt":"0001-01-01T00:00:00+00:01","campaignId":"rc-0"}"#
                ),
                "invalid-data", field: "data.occurredAt"),
            Bad(
                "ads.spend", "rc-1",
                Array(
                    #"{"specversion":"1.0","id":"h-year-10000","source":"/poison","type":"triad.ad-spend.reported","time":"9999-12-31T23:59:59-23:59","schemaversion":1,"data":{"campaignId":"rc-1","amount":{"amountMinor":100,"currency":"EUR"}}}"#
                        .utf8),
                "invalid-data", field: "time"),
            // Internal events forged: another source, a revision that would pin the envelope, one too far ahead.
            Bad(
                "finance.budget-decisions", "2026-Q4", envelope("h-envelope-source", source: "/poison", revision: 9),
                "wrong-source", field: "source"),
            Bad(
                "finance.budget-decisions", "2026-Q4",
                envelope("h-envelope-pinned", source: "/triad/finance", revision: Int64.max),
                "invalid-data", field: "data.revision"),
            Bad(
                "finance.budget-decisions", "2026-Q4",
                envelope("h-envelope-ahead", source: "/triad/finance", revision: 5_000),
                "rule-violation", field: "revision"),
            Bad(
                "finance.roi", "rc-0",
                event(
                    "h-roi-source", type: "triad.roi.reported",
                    data:
                        #"{"campaignId":"rc-0","spend":{"amountMinor":0,"currency":"EUR"},"revenue":{"amountMinor":0,"currency":"EUR"},"conversions":0}"#
                ),
                "wrong-source", field: "source"),
            // Not JSON in members no reader looks at, in both modes; a member twice; a number past a float.
            Bad(
                "customer.interactions", "cust-h2", clicking("h-minus", "cust-h2", extra: #","extra":1-2"#),
                "malformed-event", field: "data.extra"),
            Bad(
                "customer.interactions", "cust-h2", clicking("h-escape", "cust-h2", top: #","extra":"\q""#),
                "malformed-event", field: "extra"),
            Bad("customer.interactions", "cust-h3", notUTF8, "malformed-event", field: "data.extra"),
            Bad(
                "customer.interactions", "cust-h4", clicking("h-dot", "cust-h4", top: #","extra":.e"#),
                "malformed-event", field: "extra"),
            Bad(
                "customer.interactions", "cust-h5", Array(#"{"customerId":"cust-h5",\#(click),"extra":1-2}"#.utf8),
                "malformed-event",
                field: "extra", headers: binaryHeaders),
            Bad(
                "customer.interactions", "cust-h6", clicking("h-twice", "cust-h6", extra: #","customerId":"cust-h7""#),
                "malformed-event", field: "data.customerId"),
            Bad(
                "customer.interactions", "cust-h8",
                event(
                    "h-1e400",
                    data:
                        #"{"customerId":"cust-h8","kind":"purchase","occurredAt":"2026-10-01T00:00:00Z","campaignId":"rc-0","orderId":"h-o","revenue":{"amountMinor":1e400,"currency":"EUR"}}"#
                ),
                "invalid-data", field: "data.revenue.amountMinor"),
        ]
    }

    /// What round two's good messages must have left, beyond the workload's oracle.
    func checkRoundTwoState(_ harness: Harness) async throws {
        let finance = harness.services.http(.finance)
        let it = harness.services.http(.it)
        let marketing = harness.services.http(.marketing)
        let total: Int64 = 1_000_000_000_000_500
        // Totals: finance's budget exceeded carries the total past 10^15; marketing took it and the ROI reports.
        let decisions = try await harness.events(on: "finance.budget-decisions")
        let exceeded = decisions.values.filter {
            $0["type"] as? String == "triad.budget.exceeded" && data($0)["campaignId"] as? String == "rc-7"
        }
        #expect(exceeded.count == 1, "\(exceeded)")
        #expect(exceeded.first.flatMap { amount(data($0)["spend"] as Any) } == total, "\(exceeded)")
        let briefing = try await marketing.get("/briefing").object
        let line = (briefing["campaigns"] as? [[String: Any]] ?? []).first { $0["campaignId"] as? String == "rc-7" }
        #expect(line?["spend"].flatMap(amount) == harness.workload.spend["rc-7"], "rc-7 on the board: \(line ?? [:])")
        #expect(line?["status"] as? String == "paused" && line?["pauseReason"] as? String == "budget-exceeded")
        #expect(harness.workload.spend["rc-7"]! > total)

        // The board's envelope is finance's (every approval reserved), not a forgery's.
        let approved = harness.workload.budgets.values.reduce(0, +)
        let books = try await finance.get("/envelope?quarter=2026-Q4").object["quarters"] as? [[String: Any]] ?? []
        let book = books.first ?? [:]
        #expect(
            [amount(book["reserved"] as Any), amount(book["released"] as Any)] == [approved, 0], "finance: \(book)")
        #expect(try await boardEnvelope(harness) == ["reserved": approved, "released": 0])

        // Canonically equivalent ids: two of each, each with its own figures.
        func path(_ id: String) -> String {
            id.utf8.map { byte in
                (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
                    || byte == 0x2D
                    ? String(UnicodeScalar(byte)) : "%" + String(byte, radix: 16, uppercase: true)
            }.joined()
        }
        // Finance: spend, revenue, conversions; IT: impressions, clicks, purchases, revenue. (The
        // two forms are one String to Swift's ==, so each carries its own expectations.)
        let expectations: [(name: String, form: String, finance: [Int64], it: [Int64])] = [
            ("NFC", Self.nfc, [10, 300, 1], [0, 1, 1, 300]), ("NFD", Self.nfd, [20, 0, 0], [1, 0, 0, 0]),
        ]
        for (name, form, figures, expected) in expectations {
            let roi = try await finance.get("/campaigns/\(path("camp-" + form))/roi").object
            #expect(
                roi["campaignId"].map { Array(($0 as? String ?? "").utf8) } == Array(("camp-" + form).utf8),
                "\(name): \(roi)")
            #expect(
                [roi["spend"].flatMap(amount), roi["revenue"].flatMap(amount), roi["conversions"].map(int)]
                    == figures.map(Optional.some), "finance camp \(name): \(roi)")
            let counters = try await it.get("/campaigns/\(path("camp-" + form))/performance").object
            #expect(
                [
                    int(counters["impressions"]), int(counters["clicks"]), int(counters["purchases"]),
                    counters["revenue"].flatMap(amount) ?? -1,
                ] == expected, "IT camp \(name): \(counters)")
            let customer = try await it.get("/customers/\(path("cust-" + form))").object
            #expect(
                Array((customer["customerId"] as? String ?? "").utf8) == Array(("cust-" + form).utf8),
                "\(name): \(customer)")
            #expect(
                int(customer["purchases"]) == 1 && customer["atRisk"] as? Bool == true,
                "IT customer \(name): \(customer)")
        }
        let attributions = try await harness.events(on: "it.attributions").values.map(data)
        let ordersByBytes = attributions.map { Array(($0["orderId"] as? String ?? "").utf8) }
        #expect(ordersByBytes.filter { $0 == Array("order-\(Self.nfc)".utf8) }.count == 1)
        #expect(!ordersByBytes.contains(Array("order-\(Self.nfd)".utf8)), "the NFD order is organic")
        let churned = try await harness.events(on: "it.insights").values
            .filter { $0["type"] as? String == "triad.churn-risk.detected" }.map {
                Array((data($0)["customerId"] as? String ?? "").utf8)
            }
        for form in [Self.nfc, Self.nfd] { #expect(churned.filter { $0 == Array("cust-\(form)".utf8) }.count == 1) }
    }

    /// The 2026-Q4 envelope on marketing's board: reserved and released.
    func boardEnvelope(_ harness: Harness) async throws -> [String: Int64] {
        let briefing = try await harness.services.http(.marketing).get("/briefing").object
        let q4 =
            (briefing["envelopes"] as? [[String: Any]] ?? []).first { $0["quarter"] as? String == "2026-Q4" } ?? [:]
        return ["reserved": amount(q4["reserved"] as Any) ?? -1, "released": amount(q4["released"] as Any) ?? -1]
    }

    private func data(_ event: [String: Any]) -> [String: Any] { event["data"] as? [String: Any] ?? [:] }

    /// Hostile requests on every service's routes: each answers a 4xx with the one JSON error shape,
    /// naming the field where there is one.
    func hostileRequests(_ harness: Harness) async throws {
        let valid =
            #"{"id":"hx","name":"n","channel":"search","segment":"s","requestedBudget":{"amountMinor":100,"currency":"EUR"},"startDate":"2026-10-01","endDate":"2026-12-31","targetRoiBps":100}"#
        func plan(_ from: String, _ to: String) -> Data { Data(valid.replacingOccurrences(of: from, with: to).utf8) }
        let requests:
            [(service: TriadServices.Name, method: String, path: String, body: Data?, status: Int, field: String?)] = [
                (.marketing, "POST", "/campaigns", plan(#""id":"hx""#, #""id":"h\u0000x""#), 400, "id"),
                (
                    .marketing, "POST", "/campaigns",
                    plan(#""id":"hx""#, #""id":"\#(String(repeating: "h", count: 201))""#), 400, "id"
                ),
                (
                    .marketing, "POST", "/campaigns", plan(#""targetRoiBps":100"#, #""targetRoiBps":1.5"#), 400,
                    "targetRoiBps"
                ),
                (
                    .marketing, "POST", "/campaigns",
                    plan(#""targetRoiBps":100"#, #""targetRoiBps":99999999999999999999"#), 400, "targetRoiBps"
                ),
                (
                    .marketing, "POST", "/campaigns", plan(#""amountMinor":100"#, #""amountMinor":1000000000000001"#),
                    400, "requestedBudget.amountMinor"
                ),
                (
                    .marketing, "POST", "/campaigns", plan(#""startDate":"2026-10-01""#, #""startDate":"2026-02-30""#),
                    400, "startDate"
                ),
                (.marketing, "POST", "/campaigns", Data("{".utf8), 400, nil),
                (.marketing, "POST", "/campaigns", Data(repeating: UInt8(ascii: " "), count: 70_000), 413, nil),
                (.marketing, "POST", "/campaigns/nope/launch", nil, 404, "id"),
                (.marketing, "GET", "/campaigns/%ZZ", nil, 404, nil),
                (.marketing, "GET", "/no/such/route", nil, 404, nil),
                (.finance, "GET", "/envelope?quarter=2026-Q5", nil, 400, "quarter"),
                (.finance, "GET", "/campaigns/\(String(repeating: "r", count: 300))/roi", nil, 404, "id"),
                (.it, "GET", "/customers/%00", nil, 404, "id"),
                (.it, "DELETE", "/organic", nil, 404, nil),
            ]
        for request in requests {
            let reply = try await harness.services.http(request.service).send(
                request.method, request.path, body: request.body)
            let error = reply.object["error"] as? [String: Any]
            let label =
                "\(request.service) \(request.method) \(request.path.prefix(40)): \(reply.status) \(reply.text.prefix(200))"
            #expect(reply.status == request.status, "\(label)")
            #expect((error?["code"] as? String)?.isEmpty == false, "\(label)")
            if let field = request.field { #expect(error?["field"] as? String == field, "\(label)") }
        }
    }
}

/// A message the broker will not take (over its `message.max.bytes`) is set aside in
/// `outbox_failed`, logged and counted, and the rows behind it are published. Tansu, the local
/// broker, does not enforce a size limit, so IT's producer is given the limit a broker would have.
@Suite(.serialized) struct RefusedMessageTests {
    @Test func aRowTheBrokerRefusesIsSetAsideAndTheRestFlows() async throws {
        let harness = try await Harness.start(
            "refused", workload: Workload(size: 2_000, prefix: "refused"),
            environment: [.it: ["TRIAD_KAFKA_MESSAGE_MAX_BYTES": "4000"]])
        try await harness.run {
            try await harness.planAndLaunchCampaigns()
            try await harness.publish(0..<1_000)
            // Valid, but its attribution is about 6 KB: the long ids over and over — the purchase's
            // own campaign and four it clicked before, each credited under five models. The
            // workload's attributions (eight short campaign ids at most) stay under 3 KB.
            let long = { (prefix: String) in prefix + String(repeating: "x", count: 200 - prefix.count) }
            let clicks = (1...4).map { index in
                #"{"specversion":"1.0","id":"\#(long("id-\(index)-"))","source":"\#(long("/src-"))","type":"triad.customer.interaction","schemaversion":1,"data":{"customerId":"\#(long("cust-"))","kind":"click","occurredAt":"2026-10-01T23:59:0\#(index)Z","campaignId":"\#(long("camp-\(index)-"))"}}"#
            }
            let purchase =
                #"{"specversion":"1.0","id":"\#(long("id-"))","source":"\#(long("/src-"))","type":"triad.customer.interaction","schemaversion":1,"data":{"customerId":"\#(long("cust-"))","kind":"purchase","occurredAt":"2026-10-02T00:00:00Z","campaignId":"\#(long("camp-"))","orderId":"\#(long("order-"))","revenue":{"amountMinor":500,"currency":"EUR"}}}"#
            try await harness.publish(
                raw: (clicks + [purchase]).map { value in
                    OutgoingMessage(
                        topic: "customer.interactions", key: Array(long("cust-").utf8), value: Array(value.utf8))
                })
            try await harness.publish(1_000..<2_000)
            try await harness.waitForExactState()
            _ = try await harness.checkEmittedEvents()
            let it = harness.services.http(.it)
            let metrics = try await eventually("the refused row to be set aside", timeout: .seconds(30)) {
                () -> String? in
                let text = try await it.get("/metrics").text
                return text.contains("triad_outbox_failed_total{topic=\"it.attributions\"} 1")
                    && text.contains("triad_outbox_backlog 0")
                    ? text : nil
            }
            #expect(metrics.contains("triad_outbox_failed_total{topic=\"it.attributions\"} 1"))
            let process = try #require(harness.services.processes[.it])
            #expect(process.isRunning)
            #expect(process.output.contains("set aside in outbox_failed"))
            // The attribution never reached finance; IT counted the purchase.
            let counters = try await it.get("/campaigns/\(long("camp-"))/performance").object
            #expect(counters["purchases"] as? Int == 1)
            #expect(
                try await harness.events(on: "it.attributions").values.allSatisfy {
                    ($0["data"] as? [String: Any])?["campaignId"] as? String != long("camp-")
                })
        }
    }
}

/// A second IT instance (both on one PostgreSQL database) joins the group mid-stream, then the first
/// is stopped: every event still counts exactly once.
@Suite(.serialized) struct RebalanceUnderLoadTests {
    @Test func instancesSharingPostgresHandOverPartitions() async throws {
        let url = try LocalPostgres.createDatabase("it_rebalance")
        let harness = try await Harness.start(
            "rebalance", workload: Workload(size: 8_000, prefix: "rebalance"),
            environment: [.it: ["TRIAD_DATABASE_URL": url]])
        try await harness.run {
            try await harness.planAndLaunchCampaigns()
            try await harness.publish(0..<3_000)
            let (second, port) = try await harness.startInstance(of: .it, environment: ["TRIAD_DATABASE_URL": url])
            let secondHTTP = HTTPJSON(port: port)
            try await harness.publish(3_000..<5_000)
            _ = try await eventually("the second IT instance to hold partitions", timeout: .seconds(60)) {
                await secondHTTP.status("/health/ready") == 200 ? true : nil
            }
            try await harness.publish(5_000..<6_500)
            #expect(await harness.services.processes[.it]!.stop() == 0, "the first instance stops cleanly")
            try await harness.publish(6_500..<8_000)

            // IT's figures are read from the instance still running (both share the database).
            let statusCheck = try await eventually("the second instance to own every partition", timeout: .seconds(60))
            {
                let ready = try await secondHTTP.get("/health/ready").object
                return (ready["partitions"] as? [String])?.count == 6 ? true : nil
            }
            #expect(statusCheck)
            try await harness.waitForExactState(via: [.it: port])
            let emitted = try await harness.checkEmittedEvents()
            let firstHandled = harness.services.processes[.it]!.output.contains("partitions assigned")
            harness.report(
                "attributions=\(emitted.attributions) (+\(emitted.attributionDuplicates) republished) first-had-partitions=\(firstHandled) second-took-over=\(second.output.contains("partitions assigned"))"
            )
            #expect(await second.stop() == 0)
        }
    }
}

/// Graceful shutdown has deadlines; a second SIGTERM ends the process at once.
@Suite(.serialized) struct ShutdownTests {
    @Test func aSecondSigtermExitsAtOnce() async throws {
        let logs = Paths.scratch("signals")
        let broker = try await LocalBroker.start(logDirectory: logs)
        let services = TriadServices(broker: broker, logs: logs)
        try services.start(.it, environment: ["TRIAD_SHUTDOWN_TIMEOUT_MS": "60000"])
        try await services.waitUntilReady()
        let it = services.processes[.it]!
        // With the broker frozen, leaving the group cannot finish: the graceful shutdown waits.
        broker.process.signal(SIGSTOP)
        it.signal(SIGTERM)
        try await Task.sleep(for: .seconds(1))
        #expect(it.isRunning, "still shutting down gracefully")
        let second = ContinuousClock.now
        it.signal(SIGTERM)
        _ = try await eventually("the process to exit", timeout: .seconds(5), every: .milliseconds(20)) {
            it.isRunning ? nil : true
        }
        let took = ContinuousClock.now - second
        let status = await it.stop()
        broker.process.signal(SIGCONT)
        await broker.stop()
        #expect(status == 130)
        #expect(took < .seconds(3), "exited \(took) after the second SIGTERM")
        #expect(it.output.contains("exiting at once"))
        print("signals: second SIGTERM ended the process after \(took)")
    }
}

extension Harness {
    /// Publishes good messages of the test's own: a dead letter of any of them is unexpected
    /// (`waitForExactState` fails on it).
    func publish(valid: [OutgoingMessage]) async throws { try await producer!.send(all: valid) }
}

/// Runs the `triad` tool and returns what it printed.
func runTriad(_ arguments: [String]) throws -> String {
    try runToEnd(Paths.executable("triad"), arguments).output
}
