import Foundation
import Logging
import TestSupport
import Testing
import TriadKafka

/// Three IT instances and two finance instances, each service's instances sharing one PostgreSQL
/// database and one consumer group, under 20,000 events: exact totals, and every instance did a share.
@Suite(.serialized) struct ScalingTests {
    @Test func scaledOutServicesShareTheWorkAndGetExactTotals() async throws {
        let itDatabase = try LocalPostgres.createDatabase("scale_it")
        let financeDatabase = try LocalPostgres.createDatabase("scale_finance")
        let workload = Workload(size: 20_000, prefix: "scale")
        let harness = try await HarnessForScaling.start(itDatabase: itDatabase, financeDatabase: financeDatabase, workload: workload)
        do {
            try await harness.run()
        } catch {
            harness.dumpLogs()
            await harness.stop()
            throw error
        }
        await harness.stop()
    }
}

/// Runs the scenario; the extra instances are plain processes next to the harness's services.
final class HarnessForScaling: @unchecked Sendable {
    let logs: URL
    let broker: LocalBroker
    let services: TriadServices
    let workload: Workload
    let itDatabase: String
    let financeDatabase: String
    var extra: [(name: String, process: ManagedProcess, port: Int)] = []
    let started = ContinuousClock.now

    static let environment = [
        "TRIAD_FINANCE_QUARTERLY_ENVELOPE_MINOR": "1000000000000", "TRIAD_MAX_BATCH": "200",
    ]

    private init(logs: URL, broker: LocalBroker, workload: Workload, itDatabase: String, financeDatabase: String) {
        self.logs = logs
        self.broker = broker
        self.services = TriadServices(broker: broker, logs: logs)
        self.workload = workload
        self.itDatabase = itDatabase
        self.financeDatabase = financeDatabase
    }

    static func start(itDatabase: String, financeDatabase: String, workload: Workload) async throws -> HarnessForScaling {
        let logs = Paths.scratch("scaling")
        let broker = try await LocalBroker.start(logDirectory: logs)
        let harness = HarnessForScaling(logs: logs, broker: broker, workload: workload, itDatabase: itDatabase, financeDatabase: financeDatabase)
        try harness.services.start(.marketing, environment: environment)
        try harness.services.start(.finance, environment: environment.merging(["TRIAD_DATABASE_URL": financeDatabase]) { _, new in new })
        try harness.services.start(.it, environment: environment.merging(["TRIAD_DATABASE_URL": itDatabase]) { _, new in new })
        try await harness.services.waitUntilReady()
        for (service, database, count) in [("it", itDatabase, 2), ("finance", financeDatabase, 1)] {
            for index in 2...(count + 1) {
                let port = freePort()
                let process = try ManagedProcess(
                    name: "\(service)-\(index)", executable: Paths.executable("\(service)-service"),
                    environment: environment.merging([
                        "TRIAD_KAFKA_BROKERS": broker.bootstrapServers, "TRIAD_HTTP_PORT": String(port),
                        "TRIAD_DATABASE_URL": database, "TRIAD_REPORT_INTERVAL_MS": "200",
                    ]) { _, new in new }, logDirectory: logs)
                harness.extra.append(("\(service)-\(index)", process, port))
            }
        }
        return harness
    }

    /// Every instance, named, with its HTTP port.
    var instances: [(name: String, port: Int)] {
        [("finance-1", services.ports[.finance]!), ("it-1", services.ports[.it]!)] + extra.map { ($0.name, $0.port) }
    }

    func run() async throws {
        // Each instance of a group holds some partitions once the group has settled.
        for instance in instances {
            _ = try await eventually("\(instance.name) to hold partitions", timeout: .seconds(90), every: .milliseconds(250)) {
                let ready = try? await HTTPJSON(port: instance.port).get("/health/ready")
                return ready?.status == 200 && !((ready?.object["partitions"] as? [String]) ?? []).isEmpty ? true : nil
            }
        }
        let marketing = services.http(.marketing)
        for campaign in workload.campaigns {
            #expect(try await marketing.post("/campaigns", json: workload.planBody(campaign)).status == 201)
        }
        for campaign in workload.campaigns {
            _ = try await eventually("\(campaign) approved", timeout: .seconds(60)) {
                try await marketing.get("/campaigns/\(campaign)").object["status"] as? String == "approved" ? true : nil
            }
            #expect(try await marketing.post("/campaigns/\(campaign)/launch").status == 200)
        }

        let producer = try KafkaProducer(
            configuration: KafkaConfiguration(bootstrapServers: broker.bootstrapServers, properties: ["linger.ms": "5"]),
            logger: Logger(label: "test.scaling"))
        try await producer.send(
            all: workload.messages.map {
                OutgoingMessage(topic: $0.topic, key: Array($0.key.utf8), value: $0.value, headers: [KafkaHeader("content-type", "application/cloudevents+json")])
            })
        await producer.shutdown()

        // Exact totals, read from every instance (they share their service's database).
        for instance in instances {
            let http = HTTPJSON(port: instance.port)
            let isFinance = instance.name.hasPrefix("finance")
            _ = try await eventually("\(instance.name) to report exact totals", timeout: .seconds(240), every: .seconds(1)) { () -> Bool? in
                for campaign in self.workload.campaigns {
                    if isFinance {
                        let roi = try await http.get("/campaigns/\(campaign)/roi").object
                        let spend = (roi["spend"] as? [String: Any])?["amountMinor"] as? Int
                        let revenue = (roi["revenue"] as? [String: Any])?["amountMinor"] as? Int
                        guard spend.map(Int64.init) == self.workload.spend[campaign] ?? 0,
                            revenue.map(Int64.init) == self.workload.attributedRevenue[campaign] ?? 0,
                            (roi["conversions"] as? Int).map(Int64.init) == self.workload.conversions[campaign] ?? 0
                        else { return nil }
                    } else {
                        let counters = try await http.get("/campaigns/\(campaign)/performance").object
                        let expected = self.workload.counters[campaign] ?? Workload.Counters()
                        guard (counters["clicks"] as? Int).map(Int64.init) == expected.clicks,
                            (counters["impressions"] as? Int).map(Int64.init) == expected.impressions,
                            (counters["purchases"] as? Int).map(Int64.init) == expected.purchases,
                            ((counters["revenue"] as? [String: Any])?["amountMinor"] as? Int).map(Int64.init) == expected.revenue
                        else { return nil }
                    }
                }
                return true
            }
        }

        // Every instance consumed a share.
        var shares: [String] = []
        for instance in instances {
            let metrics = try await HTTPJSON(port: instance.port).get("/metrics").text
            let consumed = metrics.split(separator: "\n").filter { $0.hasPrefix("triad_events_consumed_total{") }
                .compactMap { $0.split(separator: " ").last.flatMap { Int($0) } }.reduce(0, +)
            #expect(consumed > 0, "\(instance.name) consumed nothing")
            shares.append("\(instance.name)=\(consumed)")
        }
        let seconds = (ContinuousClock.now - started).components.seconds
        print("scaling: events=\(workload.messages.count) consumed per instance: \(shares.joined(separator: " ")) seconds=\(seconds)")
    }

    func dumpLogs() {
        for (name, process, _) in extra { print("--- \(name) ---\n\(process.output.split(separator: "\n").suffix(20).joined(separator: "\n"))") }
        for service in TriadServices.Name.allCases { print("--- \(service.rawValue) ---\n\(services.logTail(service, lines: 20))") }
    }

    func stop() async {
        for (_, process, _) in extra { await process.stop() }
        _ = await services.stopAll()
        await broker.stop()
    }
}
