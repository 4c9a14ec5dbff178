import Foundation
import TestSupport
import Testing
import TriadKafka

/// The broker paused (SIGSTOP) for over 10 s mid-stream, then resumed: nothing lost, nothing twice.
@Suite(.serialized) struct OutageTests {
    @Test func aBrokerOutageMidStreamLosesNothing() async throws {
        let harness = try await Harness.start("outage", workload: Workload(size: 8_000, prefix: "outage"))
        do {
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
            harness.report("outage-seconds=\(outage.components.seconds) attributions=\(emitted.attributions) churn-events=\(emitted.churn)")
            #expect(outage >= .seconds(10))
        } catch {
            harness.broker.process.signal(SIGCONT)
            harness.dumpLogs()
            _ = await harness.stop()
            throw error
        }
        let statuses = await harness.stop()
        #expect(statuses.values.allSatisfy { $0 == 0 }, "\(statuses)")
    }
}

/// A hostile stream: good events interleaved with every class of bad input — broken JSON, unknown
/// types, newer schemas, wrong currencies, missing fields, oversized values, amounts past their
/// bound, impossible and far-future dates, control characters in ids, over-long event ids — on every
/// topic a service consumes, and hostile requests on the HTTP routes. Each bad message lands in the
/// dead-letter topic once with its reason, every good event is applied exactly once, the totals
/// equal the workload's, and no process restarts.
@Suite(.serialized) struct PoisonTests {
    func event(_ id: String, type: String = "triad.customer.interaction", version: Int = 1, data: String) -> [UInt8] {
        Array(#"{"specversion":"1.0","id":"\#(id)","source":"/poison","type":"\#(type)","schemaversion":\#(version),"data":\#(data)}"#.utf8)
    }

    func interaction(_ id: String, data: String, version: Int = 1, type: String = "triad.customer.interaction") -> [UInt8] {
        event(id, type: type, version: version, data: data)
    }

    @Test func badMessagesAreDeadLetteredAndTheRestFlows() async throws {
        let harness = try await Harness.start(
            "poison", workload: Workload(size: 6_000, prefix: "poison"),
            environment: [.it: ["TRIAD_MAX_EVENT_BYTES": "65536"], .finance: ["TRIAD_MAX_EVENT_BYTES": "65536"]])
        let click = #"{"customerId":"cust-1","kind":"click","occurredAt":"2026-10-01T00:00:00Z"}"#
        let poison: [(topic: String, key: String, value: [UInt8], code: String)] = [
            ("customer.interactions", "cust-1", Array("{\"specversion\": \"1.0\", broken".utf8), "malformed-event"),
            ("customer.interactions", "cust-2", interaction("p-type", data: "{}", type: "triad.customer.teleported"), "unknown-type"),
            ("customer.interactions", "cust-3", interaction("p-version", data: click, version: 2), "unsupported-schema-version"),
            ("customer.interactions", "cust-4", interaction("p-currency", data: #"{"customerId":"cust-4","kind":"purchase","occurredAt":"2026-10-01T00:00:00Z","orderId":"px","revenue":{"amountMinor":5,"currency":"USD"}}"#), "wrong-currency"),
            ("customer.interactions", "cust-5", interaction("p-missing", data: #"{"customerId":"cust-5","occurredAt":"2026-10-01T00:00:00Z"}"#), "invalid-data"),
            ("customer.interactions", "cust-6", Array(repeating: UInt8(ascii: "x"), count: 100_000), "malformed-event"),
            ("ads.spend", "rc-0", Array(#"{"specversion":"1.0","id":"p-negative","source":"/poison","type":"triad.ad-spend.reported","schemaversion":1,"data":{"campaignId":"rc-0","amount":{"amountMinor":-100,"currency":"EUR"}}}"#.utf8), "invalid-data"),
            ("ads.spend", "rc-1", Array(#"{"specversion":"1.0","id":"p-spend-currency","source":"/poison","type":"triad.ad-spend.reported","schemaversion":1,"data":{"campaignId":"rc-1","amount":{"amountMinor":100,"currency":"GBP"}}}"#.utf8), "wrong-currency"),
            // Event-time poisoning, impossible dates, ids with control characters or past their length,
            // an amount past its bound, a forged log line in the type.
            ("customer.interactions", "cust-7", interaction("p-future", data: #"{"customerId":"cust-7","kind":"impression","occurredAt":"9999-12-31T00:00:00Z"}"#), "invalid-data"),
            ("customer.interactions", "cust-8", interaction("p-feb30", data: #"{"customerId":"cust-8","kind":"click","occurredAt":"2026-02-30T00:00:00Z"}"#), "invalid-data"),
            ("customer.interactions", "cust-9", interaction("p-nul", data: #"{"customerId":"cust-9\u0000a","kind":"click","occurredAt":"2026-10-01T00:00:00Z"}"#), "invalid-data"),
            ("customer.interactions", "cust-10", interaction(String(repeating: "i", count: 40_000), data: #"{"customerId":"cust-10","kind":"visit","occurredAt":"2026-10-01T00:00:00Z"}"#), "invalid-data"),
            ("customer.interactions", "cust-11", interaction("p-revenue", data: #"{"customerId":"cust-11","kind":"purchase","occurredAt":"2026-10-01T00:00:00Z","orderId":"p-o","revenue":{"amountMinor":1000000000000001,"currency":"EUR"}}"#), "invalid-data"),
            ("customer.interactions", "cust-12", interaction("p-forge", data: "{}", type: "x\\nFORGED critical"), "unknown-type"),
            ("ads.spend", "rc-2", event("p-spend-huge", type: "triad.ad-spend.reported", data: #"{"campaignId":"rc-2","amount":{"amountMinor":5000000000000000000,"currency":"EUR"}}"#), "invalid-data"),
            ("ads.spend", "rc-3", event("p-spend-nul", type: "triad.ad-spend.reported", data: #"{"campaignId":"rc-3\u0000b","amount":{"amountMinor":100,"currency":"EUR"}}"#), "invalid-data"),
            // Every other consumed topic: finance's and marketing's inputs.
            ("marketing.campaigns", "rc-0", Array("{not json".utf8), "malformed-event"),
            ("it.attributions", "rc-0", Array("[]".utf8), "malformed-event"),
            ("finance.budget-decisions", "rc-0", Array("{\"specversion\":".utf8), "malformed-event"),
            ("finance.roi", "rc-0", event("p-roi", type: "triad.roi.reported", data: #"{"campaignId":"rc-0"}"#), "invalid-data"),
            ("it.insights", "cust-1", event("p-cleared", type: "triad.churn-risk.cleared", data: #"{"customerId":"cust-1","segment":"s0","activity":"impression","clearedAt":"2026-10-01T00:00:00Z"}"#), "invalid-data"),
        ]
        let owner: [String: String] = [
            "customer.interactions": "it", "ads.spend": "finance", "marketing.campaigns": "finance", "it.attributions": "finance",
            "finance.budget-decisions": "marketing", "finance.roi": "marketing", "it.insights": "marketing",
        ]
        do {
            try await harness.planAndLaunchCampaigns()
            let pids = harness.services.processes.mapValues(\.pid)
            let step = harness.workload.messages.count / poison.count
            for (index, bad) in poison.enumerated() {
                try await harness.publish(index * step..<(index + 1) * step)
                try await harness.publish(raw: [OutgoingMessage(topic: bad.topic, key: Array(bad.key.utf8), value: bad.value)])
                if index == poison.count / 2 { try await hostileRequests(harness) }
            }
            try await harness.publish(poison.count * step..<harness.workload.messages.count)
            try await harness.waitForExactState()
            _ = try await harness.checkEmittedEvents()

            var letters: [String: [ConsumedMessage]] = [:]
            for service in ["it", "finance", "marketing"] {
                let expected = poison.filter { owner[$0.topic] == service }.count
                letters[service] = try await eventually("\(expected) dead letters of \(service)", timeout: .seconds(30)) {
                    let found = try await harness.deadLetters(of: service)
                    return found.count >= expected ? found : nil
                }
                #expect(letters[service]?.count == expected, "each bad message is dead-lettered once (\(service))")
            }
            let all = letters.values.flatMap { $0 }
            for bad in poison {
                let letter = all.first { $0.header("dead-letter-source-topic")?.text == bad.topic && $0.value == bad.value }
                #expect(letter?.header("dead-letter-code")?.text == bad.code, "\(bad.topic) \(bad.key): \(letter?.header("dead-letter-reason")?.text ?? "no dead letter")")
                #expect(letter?.header("dead-letter-reason")?.text?.isEmpty == false)
                #expect(letter?.keyText == bad.key)
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
                "dlq", "replay", "--service", "finance", "--id", "p-spend-currency", "--brokers", harness.broker.bootstrapServers,
            ])
            #expect(replayed.contains("replayed 1 dead letter(s)"))
            // Still in the wrong currency, so it comes back to the dead-letter topic, from a new offset.
            let financeCount = letters["finance"]?.count ?? 0
            let again = try await eventually("the replayed event to be dead-lettered again", timeout: .seconds(30)) {
                let letters = try await harness.deadLetters(of: "finance")
                return letters.count == financeCount + 1 ? letters : nil
            }
            let offsets = Set(again.filter { $0.value == poison[7].value }.compactMap { $0.header("dead-letter-source-offset")?.text })
            #expect(offsets.count == 2)
            harness.report("dead-letters=\(all.count)")
        } catch {
            harness.dumpLogs()
            _ = await harness.stop()
            throw error
        }
        _ = await harness.stop()
    }

    /// Hostile requests on every service's routes: each answers a 4xx with the one JSON error shape,
    /// naming the field where there is one.
    func hostileRequests(_ harness: Harness) async throws {
        let valid = #"{"id":"hx","name":"n","channel":"search","segment":"s","requestedBudget":{"amountMinor":100,"currency":"EUR"},"startDate":"2026-10-01","endDate":"2026-12-31","targetRoiBps":100}"#
        func plan(_ from: String, _ to: String) -> Data { Data(valid.replacingOccurrences(of: from, with: to).utf8) }
        let requests: [(service: TriadServices.Name, method: String, path: String, body: Data?, status: Int, field: String?)] = [
            (.marketing, "POST", "/campaigns", plan(#""id":"hx""#, #""id":"h\u0000x""#), 400, "id"),
            (.marketing, "POST", "/campaigns", plan(#""id":"hx""#, #""id":"\#(String(repeating: "h", count: 201))""#), 400, "id"),
            (.marketing, "POST", "/campaigns", plan(#""targetRoiBps":100"#, #""targetRoiBps":1.5"#), 400, "targetRoiBps"),
            (.marketing, "POST", "/campaigns", plan(#""targetRoiBps":100"#, #""targetRoiBps":99999999999999999999"#), 400, "targetRoiBps"),
            (.marketing, "POST", "/campaigns", plan(#""amountMinor":100"#, #""amountMinor":1000000000000001"#), 400, "requestedBudget.amountMinor"),
            (.marketing, "POST", "/campaigns", plan(#""startDate":"2026-10-01""#, #""startDate":"2026-02-30""#), 400, "startDate"),
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
            let reply = try await harness.services.http(request.service).send(request.method, request.path, body: request.body)
            let error = reply.object["error"] as? [String: Any]
            let label = "\(request.service) \(request.method) \(request.path.prefix(40)): \(reply.status) \(reply.text.prefix(200))"
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
            "refused", workload: Workload(size: 2_000, prefix: "refused"), environment: [.it: ["TRIAD_KAFKA_MESSAGE_MAX_BYTES": "1500"]])
        do {
            try await harness.planAndLaunchCampaigns()
            try await harness.publish(0..<1_000)
            // Valid, but its attribution carries the long ids three times over: about 2 KB.
            let long = { (prefix: String) in prefix + String(repeating: "x", count: 200 - prefix.count) }
            let purchase = #"{"specversion":"1.0","id":"\#(long("id-"))","source":"\#(long("/src-"))","type":"triad.customer.interaction","schemaversion":1,"data":{"customerId":"\#(long("cust-"))","kind":"purchase","occurredAt":"2026-10-02T00:00:00Z","campaignId":"\#(long("camp-"))","orderId":"\#(long("order-"))","revenue":{"amountMinor":500,"currency":"EUR"}}}"#
            try await harness.publish(raw: [OutgoingMessage(topic: "customer.interactions", key: Array(long("cust-").utf8), value: Array(purchase.utf8))])
            try await harness.publish(1_000..<2_000)
            try await harness.waitForExactState()
            _ = try await harness.checkEmittedEvents()
            let it = harness.services.http(.it)
            let metrics = try await eventually("the refused row to be set aside", timeout: .seconds(30)) { () -> String? in
                let text = try await it.get("/metrics").text
                return text.contains("triad_outbox_failed_total{topic=\"it.attributions\"} 1") && text.contains("triad_outbox_backlog 0")
                    ? text : nil
            }
            #expect(metrics.contains("triad_outbox_failed_total{topic=\"it.attributions\"} 1"))
            let process = try #require(harness.services.processes[.it])
            #expect(process.isRunning)
            #expect(process.output.contains("set aside in outbox_failed"))
            // The attribution never reached finance; IT counted the purchase.
            let counters = try await it.get("/campaigns/\(long("camp-"))/performance").object
            #expect(counters["purchases"] as? Int == 1)
            #expect(try await harness.events(on: "it.attributions").values.allSatisfy {
                ($0["data"] as? [String: Any])?["campaignId"] as? String != long("camp-")
            })
        } catch {
            harness.dumpLogs()
            _ = await harness.stop()
            throw error
        }
        _ = await harness.stop()
    }
}

/// A second IT instance (both on one PostgreSQL database) joins the group mid-stream, then the first
/// is stopped: every event still counts exactly once.
@Suite(.serialized) struct RebalanceUnderLoadTests {
    @Test func instancesSharingPostgresHandOverPartitions() async throws {
        let url = try LocalPostgres.createDatabase("it_rebalance")
        let harness = try await Harness.start(
            "rebalance", workload: Workload(size: 8_000, prefix: "rebalance"), environment: [.it: ["TRIAD_DATABASE_URL": url]])
        do {
            try await harness.planAndLaunchCampaigns()
            try await harness.publish(0..<3_000)
            let (second, port) = try harness.startInstance(of: .it, environment: ["TRIAD_DATABASE_URL": url])
            let secondHTTP = HTTPJSON(port: port)
            try await harness.publish(3_000..<5_000)
            _ = try await eventually("the second IT instance to hold partitions", timeout: .seconds(60)) {
                await secondHTTP.status("/health/ready") == 200 ? true : nil
            }
            try await harness.publish(5_000..<6_500)
            #expect(await harness.services.processes[.it]!.stop() == 0, "the first instance stops cleanly")
            try await harness.publish(6_500..<8_000)

            // IT's figures are read from the instance still running (both share the database).
            let statusCheck = try await eventually("the second instance to own every partition", timeout: .seconds(60)) {
                let ready = try await secondHTTP.get("/health/ready").object
                return (ready["partitions"] as? [String])?.count == 6 ? true : nil
            }
            #expect(statusCheck)
            try await harness.waitForExactState(via: [.it: port])
            let emitted = try await harness.checkEmittedEvents()
            let firstHandled = harness.services.processes[.it]!.output.contains("partitions assigned")
            harness.report("attributions=\(emitted.attributions) (+\(emitted.attributionDuplicates) republished) first-had-partitions=\(firstHandled) second-took-over=\(second.output.contains("partitions assigned"))")
            #expect(await second.stop() == 0)
        } catch {
            harness.dumpLogs()
            _ = await harness.stop()
            throw error
        }
        _ = await harness.stop()
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
        _ = try await eventually("the process to exit", timeout: .seconds(5), every: .milliseconds(20)) { it.isRunning ? nil : true }
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

/// Runs the `triad` tool and returns what it printed.
func runTriad(_ arguments: [String]) throws -> String {
    try runToEnd(Paths.executable("triad"), arguments).output
}
