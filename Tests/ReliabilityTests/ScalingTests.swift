import Foundation
import TestSupport
import Testing

/// Three IT instances and two finance instances, each service's instances sharing one PostgreSQL
/// database and one consumer group, under 20,000 events: exact totals from every instance, every
/// emitted event present, and every instance did a share of the work.
@Suite(.serialized) struct ScalingTests {
    @Test func scaledOutServicesShareTheWorkAndGetExactTotals() async throws {
        let databases: [TriadServices.Name: String] = [
            .it: try LocalPostgres.createDatabase("scale_it"), .finance: try LocalPostgres.createDatabase("scale_finance"),
        ]
        let harness = try await Harness.start(
            "scaling", workload: Workload(size: 20_000, prefix: "scale"),
            environment: databases.mapValues { ["TRIAD_DATABASE_URL": $0] })
        do {
            for service in [TriadServices.Name.it, .it, .finance] {
                try harness.startInstance(of: service, environment: ["TRIAD_DATABASE_URL": databases[service]!])
            }
            var instances: [(name: String, service: TriadServices.Name, port: Int)] = [
                ("it-1", .it, harness.services.ports[.it]!), ("finance-1", .finance, harness.services.ports[.finance]!),
            ]
            instances += harness.extras.map { ($0.name, $0.name.hasPrefix("it") ? .it : .finance, $0.port) }
            // Each instance holds some partitions once its group has settled.
            for instance in instances {
                _ = try await eventually("\(instance.name) to hold partitions", timeout: .seconds(90), every: .milliseconds(250)) {
                    let ready = try? await HTTPJSON(port: instance.port).get("/health/ready")
                    return ready?.status == 200 && !((ready?.object["partitions"] as? [String]) ?? []).isEmpty ? true : nil
                }
            }
            try await harness.planAndLaunchCampaigns()
            try await harness.publish(0..<harness.workload.messages.count)

            // Exact totals, asked of every instance (each service's instances share its database).
            for instance in instances {
                try await harness.waitForExactState(via: [instance.service: instance.port], timeout: .seconds(240))
            }
            let emitted = try await harness.checkEmittedEvents()

            var shares: [String] = []
            for instance in instances {
                let metrics = try await HTTPJSON(port: instance.port).get("/metrics").text
                let consumed = metrics.split(separator: "\n").filter { $0.hasPrefix("triad_events_consumed_total{") }
                    .compactMap { $0.split(separator: " ").last.flatMap { Int($0) } }.reduce(0, +)
                #expect(consumed > 0, "\(instance.name) consumed nothing")
                shares.append("\(instance.name)=\(consumed)")
            }
            harness.report("attributions=\(emitted.attributions) consumed per instance: \(shares.joined(separator: " "))")
        } catch {
            harness.dumpLogs()
            _ = await harness.stop()
            throw error
        }
        _ = await harness.stop()
    }
}
