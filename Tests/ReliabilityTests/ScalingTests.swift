import Foundation
import TestSupport
import Testing

/// Three IT instances and two finance instances, each service's instances sharing one PostgreSQL
/// database and one consumer group, under 20,000 events: exact totals from every instance, every
/// emitted event present, and every instance did a share of the work: at least 10 % of the events
/// of its service's main topic (`customer.interactions` for IT, `ads.spend` for finance).
@Suite(.serialized) struct ScalingTests {
    @Test func scaledOutServicesShareTheWorkAndGetExactTotals() async throws {
        let databases: [TriadServices.Name: String] = [
            .it: try LocalPostgres.createDatabase("scale_it"),
            .finance: try LocalPostgres.createDatabase("scale_finance"),
        ]
        let harness = try await Harness.start(
            "scaling", workload: Workload(size: 20_000, prefix: "scale"),
            environment: databases.mapValues { ["TRIAD_DATABASE_URL": $0] })
        try await harness.run {
            for service in [TriadServices.Name.it, .it, .finance] {
                try await harness.startInstance(of: service, environment: ["TRIAD_DATABASE_URL": databases[service]!])
            }
            var instances: [(name: String, service: TriadServices.Name, port: Int)] = [
                ("it-1", .it, harness.services.ports[.it]!), ("finance-1", .finance, harness.services.ports[.finance]!),
            ]
            instances += harness.extras.map { ($0.name, $0.name.hasPrefix("it") ? .it : .finance, $0.port) }
            let mainTopic: [TriadServices.Name: String] = [.it: "customer.interactions", .finance: "ads.spend"]
            // Each instance holds partitions of its main topic once its group has settled.
            for instance in instances {
                _ = try await eventually(
                    "\(instance.name) to hold partitions of \(mainTopic[instance.service]!)", timeout: .seconds(90),
                    every: .milliseconds(250)
                ) {
                    let ready = try? await HTTPJSON(port: instance.port).get("/health/ready")
                    let partitions = (ready?.object["partitions"] as? [String]) ?? []
                    return ready?.status == 200
                        && partitions.contains { $0.hasPrefix(mainTopic[instance.service]! + "[") } ? true : nil
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
                let topic = mainTopic[instance.service]!
                let metrics = PrometheusText(try await HTTPJSON(port: instance.port).get("/metrics").text)
                let consumed = metrics.sum("triad_events_consumed_total", ["topic": topic])
                let total = harness.workload.messages.filter { $0.topic == topic }.count
                #expect(
                    consumed * 10 >= total,
                    "\(instance.name) consumed \(consumed) of the \(total) events on \(topic): under 10 %")
                shares.append("\(instance.name)=\(consumed)/\(total)")
            }
            harness.report(
                "attributions=\(emitted.attributions) consumed per instance: \(shares.joined(separator: " "))")
        }
    }
}
