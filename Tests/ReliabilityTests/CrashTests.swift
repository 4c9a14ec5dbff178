import Foundation
import TestSupport
import Testing

/// Services killed with SIGKILL while 20,000 events stream in — each kill while the service has
/// work in progress (consumer lag or outbox backlog above 0) — and restarted on their SQLite files:
/// nothing lost, nothing counted twice, every output event present, and the restarted processes
/// absorbed redeliveries (what the kills left half done came again and was recognised).
///
/// The kill timing is seeded: the seed is printed, and `TRIAD_CRASH_SEED=<seed>` repeats it.
@Suite(.serialized) struct CrashTests {
    @Test func killedServicesLoseNothingAndCountNothingTwice() async throws {
        let seed =
            ProcessInfo.processInfo.environment["TRIAD_CRASH_SEED"].flatMap { UInt64($0) }
            ?? UInt64.random(in: 0...UInt64(UInt32.max))
        print("crash: seed=\(seed) (TRIAD_CRASH_SEED=\(seed) repeats this kill timing)")
        // Small batches: a service takes a burst in several transactions, and what it has not taken
        // yet shows as lag meanwhile (it takes at most three batches ahead of the one it commits).
        let small = ["TRIAD_MAX_BATCH": "10"]
        let harness = try await Harness.start(
            "crash", workload: Workload(size: 20_000, prefix: "crash"),
            environment: [.it: small, .finance: small, .marketing: small])
        let statuses = try await harness.run {
            try await harness.planAndLaunchCampaigns()
            var random = SeededRandom(seed: seed)
            let chunks = stride(from: 0, to: harness.workload.messages.count, by: 1000).map {
                $0..<min($0 + 1000, harness.workload.messages.count)
            }
            // Two kills of each service, spread over the stream.
            var victims: [TriadServices.Name] = [.it, .finance, .marketing, .it, .finance, .marketing]
            var killedIn: [String] = []
            // Each kill waits, while the stream goes on, for a random moment and then for the first
            // moment its victim has work in progress; the next kill starts once it is done.
            // Never cancelled: cancelling a task mid URLSession request can deadlock (see HealthWatch);
            // on a failure it runs out its own deadline.
            var killing: Task<String, any Error>?
            for (index, chunk) in chunks.enumerated() {
                if index % 3 == 1, let victim = victims.first {
                    victims.removeFirst()
                    if let killing { killedIn.append(try await killing.value) }
                    let delay = Duration.milliseconds(random.next(600))
                    killing = Task {
                        try await Task.sleep(for: delay)
                        let work = try await harness.killWhileBusy(victim, timeout: .seconds(60))
                        return "\(victim.rawValue)(lag=\(work.lag) backlog=\(work.backlog ?? -1))"
                    }
                }
                try await harness.publish(chunk)
            }
            if let killing { killedIn.append(try await killing.value) }
            try #require(harness.kills == 6, "every planned kill happened")
            // Marketing's work comes in short bursts: a kill may find its victim idle (near the
            // stream's end, say), but most must land on work in progress.
            #expect(harness.busyKills >= 4, "kills that caught work in progress: \(killedIn)")
            try await harness.waitForExactState()
            let emitted = try await harness.checkEmittedEvents()
            let absorbed = try await harness.redeliveriesAbsorbedCounted()
            #expect(absorbed > 0, "the kills left work half done that came again and was absorbed")
            harness.report(
                "redeliveries-absorbed=\(absorbed) killed-in: \(killedIn.joined(separator: " ")) attributions=\(emitted.attributions) (+\(emitted.attributionDuplicates) republished) churn-events=\(emitted.churn) exceeded=\(emitted.exceeded)"
            )
        }
        #expect(statuses.values.allSatisfy { $0 == 0 }, "clean exits after the last restart: \(statuses)")
    }
}

/// A service stopped and started on the same SQLite file keeps its state.
@Suite(.serialized) struct RestartTests {
    @Test func stateSurvivesARestartOnTheSameFile() async throws {
        let harness = try await Harness.start("restart", workload: Workload(size: 3_000, prefix: "restart"))
        try await harness.run {
            try await harness.planAndLaunchCampaigns()
            try await harness.publish(0..<1_500)
            let campaign = harness.workload.campaigns[0]
            let finance = harness.services.http(.finance)
            let it = harness.services.http(.it)
            let marketing = harness.services.http(.marketing)
            // Settle on the first half (the same generator, cut short, is its oracle), then restart
            // everything and read the same state back.
            try await harness.waitForExactState(of: Workload(size: 1_500, prefix: "restart"))
            let before = try await (
                finance.get("/campaigns/\(campaign)/roi").text, it.get("/campaigns/\(campaign)/performance").text,
                marketing.get("/campaigns").text
            )
            for service in TriadServices.Name.allCases {
                #expect(await harness.services.processes[service]!.stop() == 0)
                try await harness.restart(service)
            }
            let after = try await (
                finance.get("/campaigns/\(campaign)/roi").text, it.get("/campaigns/\(campaign)/performance").text,
                marketing.get("/campaigns").text
            )
            #expect(before.0 == after.0)
            #expect(before.1 == after.1)
            #expect(before.2 == after.2)
            // And it carries on from there.
            try await harness.publish(1_500..<3_000)
            try await harness.waitForExactState()
            _ = try await harness.checkEmittedEvents()
            harness.report()
        }
    }
}
