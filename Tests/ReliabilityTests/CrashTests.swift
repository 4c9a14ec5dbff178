import Foundation
import TestSupport
import Testing

/// Services killed with SIGKILL at random points while 20,000 events stream in, and restarted on
/// their SQLite files: nothing lost, nothing counted twice, every output event present.
@Suite(.serialized) struct CrashTests {
    @Test func killedServicesLoseNothingAndCountNothingTwice() async throws {
        let harness = try await Harness.start("crash", workload: Workload(size: 20_000, prefix: "crash"))
        do {
            try await harness.planAndLaunchCampaigns()
            var random = SystemRandomNumberGenerator()
            let chunks = stride(from: 0, to: harness.workload.messages.count, by: 1000).map { $0..<min($0 + 1000, harness.workload.messages.count) }
            // Two kills of each service, spread over the stream.
            var victims: [TriadServices.Name] = [.it, .finance, .marketing, .it, .finance, .marketing]
            for (index, chunk) in chunks.enumerated() {
                try await harness.publish(chunk)
                if index % 3 == 1, let victim = victims.first {
                    victims.removeFirst()
                    // A random moment while the service is busy with what was just published.
                    try await Task.sleep(for: .milliseconds(Int.random(in: 50...600, using: &random)))
                    try await harness.kill(victim)
                }
            }
            #expect(harness.kills >= 5)
            try await harness.waitForExactState()
            let emitted = try await harness.checkEmittedEvents()
            harness.report(
                "attributions=\(emitted.attributions) (+\(emitted.attributionDuplicates) republished) churn-events=\(emitted.churn) exceeded=\(emitted.exceeded)"
            )
        } catch {
            harness.dumpLogs()
            _ = await harness.stop()
            throw error
        }
        let statuses = await harness.stop()
        #expect(statuses.values.allSatisfy { $0 == 0 }, "clean exits after the last restart: \(statuses)")
    }
}

/// A service stopped and started on the same SQLite file keeps its state.
@Suite(.serialized) struct RestartTests {
    @Test func stateSurvivesARestartOnTheSameFile() async throws {
        let harness = try await Harness.start("restart", workload: Workload(size: 3_000, prefix: "restart"))
        do {
            try await harness.planAndLaunchCampaigns()
            try await harness.publish(0..<1_500)
            let campaign = harness.workload.campaigns[0]
            let finance = harness.services.http(.finance), it = harness.services.http(.it), marketing = harness.services.http(.marketing)
            // Settle on the first half (the same generator, cut short, is its oracle), then restart
            // everything and read the same state back.
            try await harness.waitForExactState(of: Workload(size: 1_500, prefix: "restart"))
            let before = try await (finance.get("/campaigns/\(campaign)/roi").text, it.get("/campaigns/\(campaign)/performance").text, marketing.get("/campaigns").text)
            for service in TriadServices.Name.allCases {
                #expect(await harness.services.processes[service]!.stop() == 0)
                try await harness.restart(service)
            }
            let after = try await (finance.get("/campaigns/\(campaign)/roi").text, it.get("/campaigns/\(campaign)/performance").text, marketing.get("/campaigns").text)
            #expect(before.0 == after.0)
            #expect(before.1 == after.1)
            #expect(before.2 == after.2)
            // And it carries on from there.
            try await harness.publish(1_500..<3_000)
            try await harness.waitForExactState()
            _ = try await harness.checkEmittedEvents()
            harness.report()
        } catch {
            harness.dumpLogs()
            _ = await harness.stop()
            throw error
        }
        _ = await harness.stop()
    }
}
