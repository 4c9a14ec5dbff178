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

/// Poison mixed into the stream: each bad message lands in the dead-letter topic with its reason,
/// the rest is processed exactly, and no partition stalls.
@Suite(.serialized) struct PoisonTests {
    func interaction(_ id: String, data: String, version: Int = 1, type: String = "triad.customer.interaction") -> [UInt8] {
        Array(#"{"specversion":"1.0","id":"\#(id)","source":"/poison","type":"\#(type)","schemaversion":\#(version),"data":\#(data)}"#.utf8)
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
        ]
        do {
            try await harness.planAndLaunchCampaigns()
            let step = harness.workload.messages.count / poison.count
            for (index, bad) in poison.enumerated() {
                try await harness.publish(index * step..<(index + 1) * step)
                try await harness.publish(raw: [OutgoingMessage(topic: bad.topic, key: Array(bad.key.utf8), value: bad.value)])
            }
            try await harness.publish(poison.count * step..<harness.workload.messages.count)
            try await harness.waitForExactState()
            _ = try await harness.checkEmittedEvents()

            let itLetters = try await eventually("IT's dead letters", timeout: .seconds(30)) {
                let letters = try await harness.deadLetters(of: "it")
                return letters.count >= 6 ? letters : nil
            }
            let financeLetters = try await harness.deadLetters(of: "finance")
            let codes = (itLetters + financeLetters).compactMap { $0.header("dead-letter-code")?.text }.sorted()
            #expect(codes == poison.map(\.code).sorted())
            for letter in itLetters + financeLetters {
                #expect(letter.header("dead-letter-reason")?.text?.isEmpty == false)
                let original = poison.first { $0.value == letter.value }
                #expect(original != nil, "the dead letter carries the original bytes")
                #expect(letter.header("dead-letter-source-topic")?.text == original?.topic)
                #expect(letter.keyText == original?.key)
            }
            // Operators see them with `triad dlq list` and send one back with `triad dlq replay`.
            let listed = try runTriad(["dlq", "list", "--service", "it", "--brokers", harness.broker.bootstrapServers])
            #expect(listed.contains("6 dead letter(s) on it.dead-letter"), "\(listed)")
            #expect(listed.contains("id=p-currency"))
            let replayed = try runTriad([
                "dlq", "replay", "--service", "finance", "--id", "p-spend-currency", "--brokers", harness.broker.bootstrapServers,
            ])
            #expect(replayed.contains("replayed 1 dead letter(s)"))
            // Still in the wrong currency, so it comes back to the dead-letter topic, from a new offset.
            let again = try await eventually("the replayed event to be dead-lettered again", timeout: .seconds(30)) {
                let letters = try await harness.deadLetters(of: "finance")
                return letters.count == 3 ? letters : nil
            }
            let offsets = Set(again.filter { $0.value == poison[7].value }.compactMap { $0.header("dead-letter-source-offset")?.text })
            #expect(offsets.count == 2)
            harness.report("dead-letters=\(itLetters.count + financeLetters.count)")
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
