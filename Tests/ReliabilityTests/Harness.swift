import Foundation
import Logging
import TestSupport
import Testing
import TriadEvents
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

    static func start(_ name: String, workload: Workload, environment: [TriadServices.Name: [String: String]] = [:])
        async throws -> Harness
    {
        let logs = Paths.scratch(name)
        let broker = try await LocalBroker.start(logDirectory: logs)
        let harness = Harness(name: name, logs: logs, broker: broker, workload: workload)
        harness.environments = environment
        for service in TriadServices.Name.allCases {
            try harness.services.start(
                service, environment: baseEnvironment.merging(environment[service] ?? [:]) { _, new in new })
        }
        try await harness.services.waitUntilReady()
        harness.producer = try KafkaProducer(
            configuration: KafkaConfiguration(
                bootstrapServers: broker.bootstrapServers, properties: ["linger.ms": "5"]),
            logger: harness.logger)
        return harness
    }

    /// Settings each service was started with on top of `baseEnvironment`; a restart keeps them.
    private var environments: [TriadServices.Name: [String: String]] = [:]

    /// Starts `service` again with the settings it started with, plus `environment`.
    func restart(_ service: TriadServices.Name, environment: [String: String] = [:]) async throws {
        let settings = Self.baseEnvironment.merging(environments[service] ?? [:]) { _, new in new }
        try services.start(service, environment: settings.merging(environment) { _, new in new })
        try await services.waitUntilReady()
    }

    /// Another instance of a service in the same consumer group (give it the same shared database),
    /// returned once its HTTP server answers. One that lost its port to another process (between
    /// `freePort()`'s check and its bind) is started again on another port.
    @discardableResult
    func startInstance(of service: TriadServices.Name, environment: [String: String]) async throws -> (
        process: ManagedProcess, port: Int
    ) {
        let name = "\(service.rawValue)-\(extras.filter { $0.name.hasPrefix(service.rawValue) }.count + 2)"
        let (process, port) = try await startOnFreePort(
            name,
            launch: { port in
                try ManagedProcess(
                    name: name, executable: Paths.executable(service.executable),
                    environment: Self.baseEnvironment.merging([
                        "TRIAD_KAFKA_BROKERS": broker.bootstrapServers, "TRIAD_HTTP_PORT": String(port),
                        "TRIAD_REPORT_INTERVAL_MS": "200",
                    ]) { _, new in new }.merging(environment) { _, new in new }, logDirectory: logs)
            }, answers: { await HTTPJSON(port: $0).status("/health/live") != nil },
            exited: { ServiceExited(name: name, log: $0) })
        extras.append((name, process, port))
        return (process, port)
    }

    /// Waits (up to `timeout`) until `service` has work in progress — consumer lag or outbox
    /// backlog above 0 — then SIGKILLs it at once and starts it again on the same database. When
    /// none shows within `timeout` (a quiet service near the stream's end), it is killed idle:
    /// `Work.isBusy` and `busyKills` tell which. Returns the work it was killed in. Redeliveries it
    /// had absorbed are added to `absorbedByKilledRuns` first (a restarted process counts from 0).
    @discardableResult
    func killWhileBusy(_ service: TriadServices.Name, timeout: Duration = .seconds(30)) async throws -> Work {
        let port = services.ports[service]!
        let deadline = ContinuousClock.now + timeout
        var work = Work(metrics: PrometheusText(try await HTTPJSON(port: port).get("/metrics").text))
        while !work.isBusy, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(1))
            work = Work(metrics: PrometheusText(try await HTTPJSON(port: port).get("/metrics").text))
        }
        if work.isBusy { busyKills += 1 }
        services.processes[service]?.signal(SIGKILL)
        absorbedByKilledRuns += work.metrics.sum("triad_redeliveries_absorbed_total")
        _ = await services.processes[service]?.stop(grace: .seconds(5))
        kills += 1
        try await restart(service)
        return work
    }

    /// Kills that caught their victim with work in progress.
    private(set) var busyKills = 0

    /// Redeliveries absorbed by the processes killed so far, as each reported last before its kill.
    private(set) var absorbedByKilledRuns = 0

    /// Redeliveries absorbed by every process this harness ran (`triad_redeliveries_absorbed_total`):
    /// what the killed ones reported last, plus what the running ones report now. A lower bound:
    /// what a process absorbed between its last report and its kill is not seen.
    func redeliveriesAbsorbedCounted() async throws -> Int {
        var total = absorbedByKilledRuns
        for instance in runningInstances() {
            total += PrometheusText(try await HTTPJSON(port: instance.port).get("/metrics").text).sum(
                "triad_redeliveries_absorbed_total")
        }
        return total
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

    /// Publishes messages of the test's own. Each may be dead-lettered at most once; with
    /// `mustBeDeadLettered`, each must be, exactly once (`waitForExactState` checks both).
    func publish(raw: [OutgoingMessage], mustBeDeadLettered: Bool = false) async throws {
        for message in raw {
            let key = RawKey(topic: message.topic, value: message.value)
            let before = rawPublished[key] ?? (0, false)
            rawPublished[key] = (before.count + 1, before.mustBeDeadLettered || mustBeDeadLettered)
        }
        try await producer!.send(all: raw)
    }

    // MARK: Checks

    /// Waits until finance, IT and marketing hold exactly what the oracle says, while every running
    /// instance has no work left (consumer lag and outbox backlog 0) and no dead letter but those a
    /// test published to be refused; then, after a pause longer than the metrics' cache and the
    /// report interval, checks all of it again: a state accepted must stay as it is.
    /// `via` sends a service's queries to another port (another instance of it).
    func waitForExactState(
        of expected: Workload? = nil, via ports: [TriadServices.Name: Int] = [:], timeout: Duration = .seconds(180)
    ) async throws {
        let workload = expected ?? self.workload
        var lastMismatch = ""
        do {
            _ = try await eventually(
                "the services to reach the expected state", timeout: timeout, every: .milliseconds(500)
            ) {
                () -> Bool? in
                if let busy = try await busyInstance() {
                    lastMismatch = busy
                    return nil
                }
                if let mismatch = try await mismatch(with: workload, via: ports) {
                    lastMismatch = mismatch
                    return nil
                }
                if case .failure(let problem) = try await deadLetterCheck() {
                    if problem.final { throw problem }
                    lastMismatch = problem.description
                    return nil
                }
                return true
            }
        } catch {
            Issue.record("last mismatch: \(lastMismatch)")
            throw error
        }
        try await Task.sleep(for: .seconds(2))
        let busy = try await busyInstance()
        #expect(busy == nil, "work appeared after the state was accepted: \(busy ?? "")")
        let changed = try await mismatch(with: workload, via: ports)
        #expect(changed == nil, "the state changed after it was accepted: \(changed ?? "")")
        if case .failure(let problem) = try await deadLetterCheck() {
            Issue.record("dead letters, read again after the state was accepted: \(problem)")
        }
    }

    /// What differs between the services' state and the oracle's, nil when nothing does.
    private func mismatch(with workload: Workload, via ports: [TriadServices.Name: Int]) async throws -> String? {
        func http(_ name: TriadServices.Name) -> HTTPJSON {
            ports[name].map { HTTPJSON(port: $0) } ?? services.http(name)
        }
        let finance = http(.finance)
        let it = http(.it)
        let marketing = http(.marketing)
        for campaign in workload.campaigns {
            let roi = try await finance.get("/campaigns/\(campaign)/roi").object
            let figures = [roi["spend"].flatMap(amount), roi["revenue"].flatMap(amount), roi["conversions"].map(int)]
            let expected = [
                workload.spend[campaign] ?? 0, workload.attributedRevenue[campaign] ?? 0,
                workload.conversions[campaign] ?? 0,
            ]
            if figures != expected.map(Optional.some) { return "finance \(campaign): \(figures) ≠ \(expected)" }
            let counters = try await it.get("/campaigns/\(campaign)/performance").object
            let expectedCounters = workload.counters[campaign] ?? Workload.Counters()
            let seen = Workload.Counters(
                impressions: int(counters["impressions"]), clicks: int(counters["clicks"]),
                visits: int(counters["visits"]),
                signups: int(counters["signups"]), purchases: int(counters["purchases"]),
                revenue: counters["revenue"].flatMap(amount) ?? -1)
            if seen != expectedCounters { return "IT \(campaign): \(seen) ≠ \(expectedCounters)" }
        }
        let organic = try await it.get("/organic").object
        let organicFigures = [int(organic["purchases"]), int(organic["revenueMinor"])]
        if organicFigures != [Int64(workload.organicOrders.count), workload.organicRevenue] {
            return
                "IT organic purchases, revenue \(organicFigures) ≠ \([workload.organicOrders.count, Int(workload.organicRevenue)])"
        }
        for campaign in workload.exceededCampaigns {
            let status = try await marketing.get("/campaigns/\(campaign)").object
            if status["status"] as? String != "paused" || status["pauseReason"] as? String != "budget-exceeded" {
                return "marketing \(campaign) is \(status["status"] ?? "?") (expected paused for budget-exceeded)"
            }
        }
        let briefing = try await marketing.get("/briefing").object
        return briefingMismatch(briefing, workload)
    }

    /// What differs between marketing's briefing and the oracle: each campaign's money and
    /// counters (as finance's and IT's reports carried them), the totals and churn risk by segment.
    private func briefingMismatch(_ briefing: [String: Any], _ workload: Workload) -> String? {
        let lines = (briefing["campaigns"] as? [[String: Any]] ?? []).reduce(into: [String: [String: Any]]()) {
            if let id = $1["campaignId"] as? String { $0[id] = $1 }
        }
        for campaign in workload.campaigns {
            guard let line = lines[campaign] else { return "briefing: no line for \(campaign)" }
            let performance = line["performance"] as? [String: Any] ?? [:]
            let seen = [
                line["spend"].flatMap(amount) ?? -1, line["revenue"].flatMap(amount) ?? -1, int(line["conversions"]),
                int(performance["impressions"]), int(performance["clicks"]), int(performance["visits"]),
                int(performance["signups"]), int(performance["purchases"]),
            ]
            let counters = workload.counters[campaign] ?? Workload.Counters()
            let expected = [
                workload.spend[campaign] ?? 0, workload.attributedRevenue[campaign] ?? 0,
                workload.conversions[campaign] ?? 0,
                counters.impressions, counters.clicks, counters.visits, counters.signups, counters.purchases,
            ]
            if seen != expected {
                return
                    "briefing \(campaign) spend, revenue, conversions, impressions, clicks, visits, signups, purchases: \(seen) ≠ \(expected)"
            }
        }
        let totals = briefing["totals"] as? [String: Any] ?? [:]
        let seenTotals = [
            totals["spend"].flatMap(amount) ?? -1, totals["revenue"].flatMap(amount) ?? -1, int(totals["conversions"]),
        ]
        let expectedTotals = [workload.spend, workload.attributedRevenue, workload.conversions].map {
            $0.values.reduce(0, +)
        }
        if seenTotals != expectedTotals {
            return "briefing totals spend, revenue, conversions: \(seenTotals) ≠ \(expectedTotals)"
        }
        let churn = (briefing["churnRiskBySegment"] as? [String: Int] ?? [:]).filter { $0.value != 0 }
        if churn != workload.churnRiskBySegment {
            return "briefing churn risk by segment: \(churn) ≠ \(workload.churnRiskBySegment)"
        }
        return nil
    }

    // MARK: Work in progress

    /// The running instances of the services (the three and any extra), with their HTTP ports.
    func runningInstances() -> [(name: String, port: Int)] {
        TriadServices.Name.allCases.compactMap { service in
            services.processes[service]?.isRunning == true ? (service.rawValue, services.ports[service]!) : nil
        } + extras.filter(\.process.isRunning).map { ($0.name, $0.port) }
    }

    /// What an instance has still to do, from its `GET /metrics` and `GET /health/ready`.
    struct Work: CustomStringConvertible {
        /// Messages of assigned partitions not yet taken from the consumer (`triad_consumer_lag`).
        var lag = 0
        /// Rows of the outbox not yet published (`triad_outbox_backlog`; nil: not reported).
        var backlog: Int?
        /// Partitions reporting a lag, and partitions the instance says it holds.
        var partitionsReporting = 0, partitionsHeld = 0
        let metrics: PrometheusText

        init(metrics: PrometheusText) {
            self.metrics = metrics
            let lags = metrics.samples("triad_consumer_lag")
            lag = Int(lags.map(\.value).reduce(0, +))
            partitionsReporting = lags.count
            backlog = metrics.samples("triad_outbox_backlog").first.map { Int($0.value) }
        }

        var isBusy: Bool { lag > 0 || (backlog ?? 0) > 0 }
        /// Nothing left: no lag on any partition it holds (every one reporting) and an empty outbox.
        var isIdle: Bool { lag == 0 && backlog == 0 && partitionsReporting == partitionsHeld }
        var description: String {
            "lag=\(lag) backlog=\(backlog.map(String.init) ?? "unknown") partitions reporting=\(partitionsReporting)/\(partitionsHeld)"
        }
    }

    func work(at port: Int) async throws -> Work {
        let http = HTTPJSON(port: port)
        let held = (try await http.get("/health/ready").object["partitions"] as? [String])?.count ?? 0
        var work = Work(metrics: PrometheusText(try await http.get("/metrics").text))
        work.partitionsHeld = held
        return work
    }

    /// The first running instance with work left, described; nil when every one is idle.
    func busyInstance() async throws -> String? {
        for instance in runningInstances() {
            let work = try await work(at: instance.port)
            if !work.isIdle { return "\(instance.name) not idle: \(work)" }
        }
        return nil
    }

    // MARK: Dead letters

    /// Messages a test published itself (not the workload's), by topic and value, with how many
    /// times each was published and whether it must be dead-lettered (each exactly once) or may be
    /// (at most once). Nothing else may ever be dead-lettered: no workload event, no event a
    /// service emitted.
    private var rawPublished: [RawKey: (count: Int, mustBeDeadLettered: Bool)] = [:]

    private struct RawKey: Hashable {
        let topic: String
        let value: [UInt8]
    }

    struct DeadLetterProblem: Error, CustomStringConvertible {
        let description: String
        /// Waiting longer cannot mend it (a dead letter that should not be there, or one too many).
        let final: Bool
    }

    /// How many services consume `topic` (each dead-letters what it refuses); 1 for a topic the
    /// catalog does not know.
    private static func consumers(of topic: String) -> Int { max(1, Topic(rawValue: topic)?.consumers.count ?? 1) }

    /// Reads every service's dead letters: each must be of a message the test published itself,
    /// at most once per service consuming its topic (exactly so where it said the message must be refused). The dead letters by
    /// service, or what is wrong.
    func deadLetterCheck() async throws -> Result<[String: Int], DeadLetterProblem> {
        var seen: [RawKey: Int] = [:]
        var counts: [String: Int] = [:]
        for service in TriadServices.Name.allCases.map(\.rawValue) {
            let letters = try await deadLetters(of: service)
            counts[service] = letters.count
            for letter in letters {
                let key = RawKey(topic: letter.header("dead-letter-source-topic")?.text ?? "?", value: letter.value)
                seen[key, default: 0] += 1
                // Every service consuming the topic dead-letters it (it.insights has two).
                let published = (rawPublished[key]?.count ?? 0) * Self.consumers(of: key.topic)
                if seen[key]! > published {
                    let what = published == 0 ? "unexpected dead letter" : "dead-lettered more often than published"
                    return .failure(
                        DeadLetterProblem(
                            description:
                                "\(what) on \(service).dead-letter from \(key.topic): \(letter.header("dead-letter-code")?.text ?? "?") \(letter.header("dead-letter-reason")?.text ?? "") value \(String(decoding: letter.value.prefix(300), as: UTF8.self))",
                            final: true))
                }
            }
        }
        for (key, published) in rawPublished
        where published.mustBeDeadLettered && seen[key, default: 0] < published.count * Self.consumers(of: key.topic) {
            return .failure(
                DeadLetterProblem(
                    description:
                        "not dead-lettered yet from \(key.topic): \(String(decoding: key.value.prefix(200), as: UTF8.self))",
                    final: false))
        }
        return .success(counts)
    }

    struct Emitted {
        var attributions = 0, attributionDuplicates = 0, churn = 0, churnDuplicates = 0, exceeded = 0
    }

    /// Reads what the services emitted and compares it, deduplicated by event id, with the oracle.
    func checkEmittedEvents() async throws -> Emitted {
        let workload = self.workload
        var emitted = Emitted()
        // The outbox relays shortly after the state is reached: wait for the counts, then compare.
        let attributions = try await eventually(
            "every attribution on it.attributions", timeout: .seconds(60), every: .milliseconds(500)
        ) {
            let events = try await self.events(on: "it.attributions")
            return Set(events.keys).count >= workload.attributedOrders.count ? events : nil
        }
        let orders = attributions.values.compactMap { ($0["data"] as? [String: Any])?["orderId"] as? String }
        #expect(Set(orders) == workload.attributedOrders)
        #expect(orders.count == workload.attributedOrders.count, "one attribution per order")
        emitted.attributions = attributions.count

        let insights = try await eventually(
            "every churn-risk event on it.insights", timeout: .seconds(60), every: .milliseconds(500)
        ) {
            let events = try await self.events(on: "it.insights").filter {
                $0.value["type"] as? String == "triad.churn-risk.detected"
            }
            return events.count >= workload.churnEvents.count ? events : nil
        }
        let churned = insights.values.compactMap { ($0["data"] as? [String: Any])?["customerId"] as? String }
        #expect(churned.sorted() == workload.churnEvents.sorted())
        emitted.churn = insights.count

        let decisions = try await events(on: "finance.budget-decisions")
        let exceeded = decisions.values.filter { $0["type"] as? String == "triad.budget.exceeded" }
            .compactMap { ($0["data"] as? [String: Any])?["campaignId"] as? String }
        #expect(
            exceeded.sorted() == workload.exceededCampaigns.sorted(), "budget exceeded once per campaign over budget")
        #expect(
            decisions.values.filter { $0["type"] as? String == "triad.budget.approved" }.count
                == workload.campaigns.count)
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
            topic: "\(service).dead-letter",
            configuration: KafkaConfiguration(bootstrapServers: broker.bootstrapServers),
            logger: logger)
    }

    /// How many redelivered events the services logged as skipped, summed over every log of every run.
    func redeliveriesLogged() -> Int {
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
            "\(name): events=\(workload.messages.count) kills=\(kills) redeliveries-logged=\(redeliveriesLogged()) \(extra) seconds=\(seconds)"
        )
    }

    /// Runs `body`, then stops everything and returns the services' exit statuses; if `body` throws,
    /// `onFailure` runs and the logs are printed before everything stops and the error goes on.
    @discardableResult
    func run(_ body: () async throws -> Void, onFailure: () -> Void = {}) async throws -> [TriadServices.Name: Int32] {
        do {
            try await body()
        } catch {
            onFailure()
            dumpLogs()
            _ = await stop()
            throw error
        }
        return await stop()
    }

    func stop() async -> [TriadServices.Name: Int32] {
        await producer?.shutdown()
        for extra in extras { await extra.process.stop() }
        let statuses = await services.stopAll()
        await broker.stop()
        return statuses
    }

    func dumpLogs() {
        for service in TriadServices.Name.allCases {
            print("--- \(service.rawValue) ---\n\(services.logTail(service, lines: 30))")
        }
        for extra in extras {
            print(
                "--- \(extra.name) ---\n\(extra.process.output.split(separator: "\n").suffix(30).joined(separator: "\n"))"
            )
        }
    }
}

func amount(_ value: Any) -> Int64? {
    ((value as? [String: Any])?["amountMinor"] as? Int).map(Int64.init)
}

func int(_ value: Any?) -> Int64 { (value as? Int).map(Int64.init) ?? -1 }

/// The samples of a Prometheus text exposition (what `GET /metrics` answers).
struct PrometheusText {
    struct Sample {
        let name: String
        let labels: [String: String]
        let value: Double
    }

    let samples: [Sample]

    init(_ text: String) {
        samples = text.split(separator: "\n").compactMap { line -> Sample? in
            guard !line.hasPrefix("#"), let space = line.lastIndex(of: " "),
                let value = Double(line[line.index(after: space)...])
            else {
                return nil
            }
            let series = line[..<space]
            guard let open = series.firstIndex(of: "{") else {
                return Sample(name: String(series), labels: [:], value: value)
            }
            var labels: [String: String] = [:]
            // name="value" pairs; the label values Triad writes (topics, codes, routes) hold no quote or comma.
            for pair in series[series.index(after: open)...].dropLast().split(separator: ",") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                if parts.count == 2 { labels[String(parts[0])] = String(parts[1].dropFirst().dropLast()) }
            }
            return Sample(name: String(series[..<open]), labels: labels, value: value)
        }
    }

    /// The samples of one metric, those with every label of `labels`.
    func samples(_ name: String, _ labels: [String: String] = [:]) -> [Sample] {
        samples.filter { sample in sample.name == name && labels.allSatisfy { sample.labels[$0.key] == $0.value } }
    }

    /// The sum of one metric's samples with every label of `labels`, as an integer.
    func sum(_ name: String, _ labels: [String: String] = [:]) -> Int {
        Int(samples(name, labels).map(\.value).reduce(0, +))
    }
}
