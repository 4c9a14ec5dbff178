import Foundation
import Logging
import TestSupport
import Testing
import TriadKafka

/// A broker, the three services and a workload; drives the workload through and checks the
/// services' state and emitted events against the workload's oracle.
final class Harness: @unchecked Sendable {
    let name: String
    let logs: URL
    let broker: LocalBroker
    let services: TriadServices
    let workload: Workload
    let started = ContinuousClock.now
    let logger = Logger(label: "test.reliability")
    private(set) var producer: KafkaProducer?
    var kills = 0
    /// Instances started next to the three services (a second IT, …), with their HTTP ports.
    private(set) var extras: [(name: String, process: ManagedProcess, port: Int)] = []

    /// Settings every service gets in these tests; `environment` adds to or overrides them.
    static let baseEnvironment = [
        "TRIAD_FINANCE_QUARTERLY_ENVELOPE_MINOR": "1000000000000", "TRIAD_MAX_BATCH": "200",
        "TRIAD_SHUTDOWN_TIMEOUT_MS": "20000",
    ]

    private init(name: String, logs: URL, broker: LocalBroker, workload: Workload) {
        self.name = name
        self.logs = logs
        self.broker = broker
        self.services = TriadServices(broker: broker, logs: logs)
        self.workload = workload
    }

    static func start(_ name: String, workload: Workload, environment: [TriadServices.Name: [String: String]] = [:]) async throws -> Harness {
        let logs = Paths.scratch(name)
        let broker = try await LocalBroker.start(logDirectory: logs)
        let harness = Harness(name: name, logs: logs, broker: broker, workload: workload)
        for service in TriadServices.Name.allCases {
            try harness.services.start(service, environment: baseEnvironment.merging(environment[service] ?? [:]) { _, new in new })
        }
        try await harness.services.waitUntilReady()
        harness.producer = try KafkaProducer(
            configuration: KafkaConfiguration(bootstrapServers: broker.bootstrapServers, properties: ["linger.ms": "5"]),
            logger: harness.logger)
        return harness
    }

    func restart(_ service: TriadServices.Name, environment: [String: String] = [:]) async throws {
        try services.start(service, environment: Self.baseEnvironment.merging(environment) { _, new in new })
        try await services.waitUntilReady()
    }

    /// Another instance of a service in the same consumer group (give it the same shared database).
    @discardableResult
    func startInstance(of service: TriadServices.Name, environment: [String: String]) throws -> (process: ManagedProcess, port: Int) {
        let port = freePort()
        let name = "\(service.rawValue)-\(extras.filter { $0.name.hasPrefix(service.rawValue) }.count + 2)"
        let process = try ManagedProcess(
            name: name, executable: Paths.executable(service.executable),
            environment: Self.baseEnvironment.merging([
                "TRIAD_KAFKA_BROKERS": broker.bootstrapServers, "TRIAD_HTTP_PORT": String(port), "TRIAD_REPORT_INTERVAL_MS": "200",
            ]) { _, new in new }.merging(environment) { _, new in new }, logDirectory: logs)
        extras.append((name, process, port))
        return (process, port)
    }

    /// SIGKILL, then start again on the same database file.
    func kill(_ service: TriadServices.Name) async throws {
        services.processes[service]?.signal(SIGKILL)
        _ = await services.processes[service]?.stop(grace: .seconds(5))
        kills += 1
        try await restart(service)
    }

    /// Plans every campaign, waits for finance's approvals, and launches them.
    func planAndLaunchCampaigns() async throws {
        let marketing = services.http(.marketing)
        for campaign in workload.campaigns {
            let reply = try await marketing.post("/campaigns", json: workload.planBody(campaign))
            try #require(reply.status == 201, "\(reply.text)")
        }
        for campaign in workload.campaigns {
            _ = try await eventually("\(campaign) to be approved", timeout: .seconds(60)) {
                try await marketing.get("/campaigns/\(campaign)").object["status"] as? String == "approved" ? true : nil
            }
            let launched = try await marketing.post("/campaigns/\(campaign)/launch")
            try #require(launched.status == 200, "\(launched.text)")
        }
    }

    /// Publishes messages `range` of the workload (what an ad platform and a shop would send).
    func publish(_ range: Range<Int>) async throws {
        let messages = workload.messages[range].map {
            OutgoingMessage(
                topic: $0.topic, key: Array($0.key.utf8), value: $0.value,
                headers: [KafkaHeader("content-type", "application/cloudevents+json")])
        }
        try await producer!.send(all: messages)
    }

    func publish(raw: [OutgoingMessage]) async throws { try await producer!.send(all: raw) }

    // MARK: Checks

    /// Waits until finance, IT and marketing hold exactly what the oracle says.
    /// `via` sends a service's queries to another port (another instance of it).
    func waitForExactState(
        of expected: Workload? = nil, via ports: [TriadServices.Name: Int] = [:], timeout: Duration = .seconds(180)
    ) async throws {
        func http(_ name: TriadServices.Name) -> HTTPJSON { ports[name].map(HTTPJSON.init(port:)) ?? services.http(name) }
        let finance = http(.finance), it = http(.it), marketing = http(.marketing)
        let workload = expected ?? self.workload
        var lastMismatch = ""
        do {
            _ = try await eventually("the services to reach the expected state", timeout: timeout, every: .milliseconds(500)) { () -> Bool? in
                for campaign in workload.campaigns {
                    let roi = try await finance.get("/campaigns/\(campaign)/roi").object
                    let figures = [roi["spend"].flatMap(amount), roi["revenue"].flatMap(amount), roi["conversions"] as? Int64 ?? (roi["conversions"] as? Int).map(Int64.init)]
                    let expected = [workload.spend[campaign] ?? 0, workload.attributedRevenue[campaign] ?? 0, workload.conversions[campaign] ?? 0]
                    if figures != expected.map(Optional.some) {
                        lastMismatch = "finance \(campaign): \(figures) ≠ \(expected)"
                        return nil
                    }
                    let counters = try await it.get("/campaigns/\(campaign)/performance").object
                    let expectedCounters = workload.counters[campaign] ?? Workload.Counters()
                    let seen = Workload.Counters(
                        impressions: int(counters["impressions"]), clicks: int(counters["clicks"]), visits: int(counters["visits"]),
                        signups: int(counters["signups"]), purchases: int(counters["purchases"]),
                        revenue: counters["revenue"].flatMap(amount) ?? -1)
                    if seen != expectedCounters {
                        lastMismatch = "IT \(campaign): \(seen) ≠ \(expectedCounters)"
                        return nil
                    }
                }
                let organic = try await it.get("/organic").object
                if int(organic["purchases"]) != Int64(workload.organicOrders.count) {
                    lastMismatch = "IT organic purchases \(int(organic["purchases"])) ≠ \(workload.organicOrders.count)"
                    return nil
                }
                for campaign in workload.exceededCampaigns {
                    let status = try await marketing.get("/campaigns/\(campaign)").object
                    if status["status"] as? String != "paused" || status["pauseReason"] as? String != "budget-exceeded" {
                        lastMismatch = "marketing \(campaign) is \(status["status"] ?? "?") (expected paused for budget-exceeded)"
                        return nil
                    }
                }
                return true
            }
        } catch {
            Issue.record("last mismatch: \(lastMismatch)")
            throw error
        }
    }

    struct Emitted {
        var attributions = 0, attributionDuplicates = 0, churn = 0, churnDuplicates = 0, exceeded = 0
    }

    /// Reads what the services emitted and compares it, deduplicated by event id, with the oracle.
    func checkEmittedEvents() async throws -> Emitted {
        let workload = self.workload
        var emitted = Emitted()
        // The outbox relays shortly after the state is reached: wait for the counts, then compare.
        let attributions = try await eventually("every attribution on it.attributions", timeout: .seconds(60), every: .milliseconds(500)) {
            let events = try await self.events(on: "it.attributions")
            return Set(events.keys).count >= workload.attributedOrders.count ? events : nil
        }
        let orders = attributions.values.compactMap { ($0["data"] as? [String: Any])?["orderId"] as? String }
        #expect(Set(orders) == workload.attributedOrders)
        #expect(orders.count == workload.attributedOrders.count, "one attribution per order")
        emitted.attributions = attributions.count

        let insights = try await eventually("every churn-risk event on it.insights", timeout: .seconds(60), every: .milliseconds(500)) {
            let events = try await self.events(on: "it.insights").filter { $0.value["type"] as? String == "triad.churn-risk.detected" }
            return events.count >= workload.churnEvents.count ? events : nil
        }
        let churned = insights.values.compactMap { ($0["data"] as? [String: Any])?["customerId"] as? String }
        #expect(churned.sorted() == workload.churnEvents.sorted())
        emitted.churn = insights.count

        let decisions = try await events(on: "finance.budget-decisions")
        let exceeded = decisions.values.filter { $0["type"] as? String == "triad.budget.exceeded" }
            .compactMap { ($0["data"] as? [String: Any])?["campaignId"] as? String }
        #expect(exceeded.sorted() == workload.exceededCampaigns.sorted(), "budget exceeded once per campaign over budget")
        #expect(decisions.values.filter { $0["type"] as? String == "triad.budget.approved" }.count == workload.campaigns.count)
        emitted.exceeded = exceeded.count
        emitted.attributionDuplicates = rawCounts["it.attributions", default: 0] - attributions.count
        emitted.churnDuplicates = rawCounts["it.insights.churn", default: 0] - insights.count
        return emitted
    }

    private var rawCounts: [String: Int] = [:]

    /// The events on a topic by id (a republished event counts once).
    func events(on topic: String) async throws -> [String: [String: Any]] {
        let messages = try await TopicSnapshot.read(
            topic: topic, configuration: KafkaConfiguration(bootstrapServers: broker.bootstrapServers), logger: logger)
        var byId: [String: [String: Any]] = [:]
        var churnRaw = 0
        for message in messages {
            // Poison a test put on the topic is not JSON: the services dead-letter it, this skips it.
            guard let json = try? JSONSerialization.jsonObject(with: Data(message.value)) as? [String: Any],
                let id = json["id"] as? String
            else { continue }
            if json["type"] as? String == "triad.churn-risk.detected" { churnRaw += 1 }
            byId[id] = json
        }
        rawCounts[topic] = messages.count
        if topic == "it.insights" { rawCounts["it.insights.churn"] = churnRaw }
        return byId
    }

    /// Dead letters of a service, by reason code.
    func deadLetters(of service: String) async throws -> [ConsumedMessage] {
        try await TopicSnapshot.read(
            topic: "\(service).dead-letter", configuration: KafkaConfiguration(bootstrapServers: broker.bootstrapServers),
            logger: logger)
    }

    /// How many redelivered events the services skipped, summed over every log of every run.
    func redeliveriesAbsorbed() -> Int {
        let files = (try? FileManager.default.contentsOfDirectory(at: logs, includingPropertiesForKeys: nil)) ?? []
        var total = 0
        for file in files where file.pathExtension == "log" {
            let text = (try? String(contentsOf: file, encoding: .utf8)) ?? ""
            for line in text.split(separator: "\n") where line.contains("skipped events applied before") {
                if let range = line.range(of: #"count=(\d+)"#, options: .regularExpression) {
                    total += Int(line[range].dropFirst("count=".count)) ?? 0
                }
            }
        }
        return total
    }

    func report(_ extra: String = "") {
        let seconds = (ContinuousClock.now - started).components.seconds
        print(
            "\(name): events=\(workload.messages.count) kills=\(kills) redeliveries-absorbed=\(redeliveriesAbsorbed()) \(extra) seconds=\(seconds)"
        )
    }

    func stop() async -> [TriadServices.Name: Int32] {
        await producer?.shutdown()
        for extra in extras { await extra.process.stop() }
        let statuses = await services.stopAll()
        await broker.stop()
        return statuses
    }

    func dumpLogs() {
        for service in TriadServices.Name.allCases { print("--- \(service.rawValue) ---\n\(services.logTail(service, lines: 30))") }
        for extra in extras {
            print("--- \(extra.name) ---\n\(extra.process.output.split(separator: "\n").suffix(30).joined(separator: "\n"))")
        }
    }
}

func amount(_ value: Any) -> Int64? {
    ((value as? [String: Any])?["amountMinor"] as? Int).map(Int64.init)
}

func int(_ value: Any?) -> Int64 { (value as? Int).map(Int64.init) ?? -1 }
