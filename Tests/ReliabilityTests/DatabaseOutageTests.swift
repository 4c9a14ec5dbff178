import Foundation
import Synchronization
import TestSupport
import Testing

/// The database goes away mid-stream and comes back: every service keeps running (no restart),
/// keeps answering HTTP — `/health/live` 200, `/health/ready` and data reads 503 while the database
/// is away — retries, and ends with exact totals. A database that stays away past
/// `TRIAD_DATABASE_RECOVERY_TIMEOUT_MS` ends the process with status 75. These tests stop the local
/// PostgreSQL that every test shares, and always start it again.
@Suite(.serialized) struct DatabaseOutageTests {
    /// The three services, each on a PostgreSQL database of its own.
    /// The three services on `server`, a PostgreSQL of the test's own: stopping it leaves the shared
    /// server up for the suites that run meanwhile.
    static func startOnPostgres(_ name: String, size: Int, server: PrivatePostgres) async throws -> Harness {
        var environment: [TriadServices.Name: [String: String]] = [:]
        for service in TriadServices.Name.allCases {
            environment[service] = ["TRIAD_DATABASE_URL": try server.createDatabase("\(name)_\(service.rawValue)")]
        }
        return try await Harness.start(name, workload: Workload(size: size, prefix: name), environment: environment)
    }

    /// The three services, IT keeping its SQLite file on `disk`.
    static func startOnDisk(_ name: String, size: Int, disk: SmallDisk) async throws -> Harness {
        try await Harness.start(
            name, workload: Workload(size: size, prefix: name),
            environment: [.it: ["TRIAD_DATABASE_URL": "sqlite:" + disk.path.appendingPathComponent("it.sqlite").path]])
    }

    @Test func postgresRestartedMidStreamLosesNothing() async throws {
        try await Self.midStream("pgrestart") { server, _ in
            try server.restart()
            try await Task.sleep(for: .seconds(3))
            return ""
        } check: { harness, seen in
            // IT was mid-stream when the server went: it saw the outage and its end.
            let log = harness.services.processes[.it]!.output
            #expect(log.contains("database unavailable; retrying with backoff"), "IT logged the outage")
            #expect(log.contains("database available again"), "IT logged the recovery")
        }
    }

    @Test func postgresStoppedFor15SecondsMidStreamLosesNothing() async throws {
        try await Self.midStream("pgstop") { server, harness in
            let stoppedAt = ContinuousClock.now
            try server.stop()
            // Data reads answer 503 with the code that says why, and quickly.
            try await Task.sleep(for: .seconds(3))
            let reads: [(TriadServices.Name, String)] = [
                (.it, "/organic"), (.finance, "/campaigns/rc-0/roi"), (.marketing, "/campaigns/rc-0"),
            ]
            for (service, path) in reads {
                let asked = ContinuousClock.now
                let reply = try await harness.services.http(service).get(path)
                #expect(reply.status == 503, "\(service) \(path): \(reply.status) \(reply.text)")
                #expect(
                    (reply.object["error"] as? [String: Any])?["code"] as? String == "database-unavailable",
                    "\(reply.text)")
                #expect(ContinuousClock.now - asked < .seconds(6), "\(service) \(path) answered within 6 s")
                let metrics = try await harness.services.http(service).get("/metrics").text
                #expect(
                    metrics.contains("triad_database_available 0.0"), "\(service) reports the outage in its metrics")
            }
            try await Task.sleep(until: stoppedAt + .seconds(15))
            let outage = ContinuousClock.now - stoppedAt
            try server.start()
            try await Task.sleep(for: .seconds(2))
            #expect(outage >= .seconds(15))
            return "outage-seconds=\(outage.components.seconds) "
        } check: { harness, seen in
            for (name, process) in harness.services.processes {
                #expect(
                    seen.notReady[name, default: 0] > 0, "\(name) said not ready while the database was away: \(seen)")
                #expect(
                    seen.readyReasons[name, default: []].contains("database unavailable"),
                    "\(name)'s readiness named the database: \(seen)")
                let log = process.output
                #expect(log.contains("database unavailable; retrying with backoff"), "\(name) logged the outage")
                #expect(log.contains("database available again"), "\(name) logged the recovery")
            }
        }
    }

    /// The three services on a PostgreSQL of the test's own, 20,000 events published; once IT is
    /// mid-stream, `disrupt` takes the server away (it returns what to add to the report). Then
    /// exact totals, every process still the one started, `/health/live` answered throughout, a
    /// clean exit, and whatever `check` adds.
    static func midStream(
        _ name: String, disrupt: (PrivatePostgres, Harness) async throws -> String,
        check: (Harness, HealthWatch.Seen) throws -> Void
    ) async throws {
        let server = try PrivatePostgres(name)
        defer { server.remove() }
        let harness = try await startOnPostgres(name, size: 20_000, server: server)
        let statuses = try await harness.run {
            let pids = harness.services.processes.mapValues(\.pid)
            try await harness.planAndLaunchCampaigns()
            let publishing = Task { try await harness.publish(0..<harness.workload.messages.count) }
            try await waitUntilConsumed(harness, .it, atLeast: 3_000)
            let watch = HealthWatch(harness.services)
            let told = try await disrupt(server, harness)
            // The window holds answers from every service, however busy the machine is.
            _ = try await eventually(
                "every service's health asked twice", timeout: .seconds(60), every: .milliseconds(100)
            ) {
                watch.askedEveryService(atLeast: 2) ? true : nil
            }
            let seen = await watch.stop()
            try await publishing.value
            try await harness.waitForExactState()
            let emitted = try await harness.checkEmittedEvents()
            harness.report(told + "attributions=\(emitted.attributions) \(seen)")
            for (name, process) in harness.services.processes {
                #expect(process.isRunning && process.pid == pids[name], "\(name) kept running")
                #expect(seen.polls[name, default: 0] > 0, "\(name)'s health was asked during the outage: \(seen)")
                #expect(seen.liveFailures[name, default: 0] == 0, "\(name) answered /health/live throughout: \(seen)")
            }
            try check(harness, seen)
        }
        #expect(statuses.values.allSatisfy { $0 == 0 }, "\(statuses)")
    }

    @Test func aDatabaseAwayPastTheRecoveryTimeoutEndsTheProcessWith75() async throws {
        let logs = Paths.scratch("pggiveup")
        let broker = try await LocalBroker.start(logDirectory: logs)
        let services = TriadServices(broker: broker, logs: logs)
        let server = try PrivatePostgres("pggiveup")
        defer { server.remove() }
        do {
            try services.start(
                .it,
                environment: Harness.baseEnvironment.merging([
                    "TRIAD_DATABASE_URL": try server.createDatabase("giveup"),
                    "TRIAD_DATABASE_RECOVERY_TIMEOUT_MS": "4000",
                    "TRIAD_SHUTDOWN_TIMEOUT_MS": "5000",
                ]) { _, new in new })
            try await services.waitUntilReady()
            let process = services.processes[.it]!
            let stoppedAt = ContinuousClock.now
            try server.stop()
            _ = try await eventually("it-service to exit", timeout: .seconds(40), every: .milliseconds(100)) {
                process.isRunning ? nil : true
            }
            let took = ContinuousClock.now - stoppedAt
            let status = await process.stop()
            print("pggiveup: exited with \(status) after \(took)")
            #expect(status == 75, "\(process.output.split(separator: "\n").suffix(15).joined(separator: "\n"))")
            #expect(took >= .seconds(4) && took < .seconds(20), "exited \(took) after the database went away")
            #expect(process.output.contains("giving up on the database"))
        } catch {
            print(services.logTail(.it))
            _ = await services.stopAll()
            await broker.stop()
            throw error
        }
        _ = await services.stopAll()
        await broker.stop()
    }

    /// IT on SQLite on a small file system that fills up mid-stream: its batches fail with
    /// SQLITE_FULL and are retried (readiness 503 naming it, reads still answered) until space is
    /// freed; then exact totals, and IT never restarted.
    @Test func sqliteDiskFullMidStreamLosesNothing() async throws {
        let disk = try SmallDisk(megabytes: 64)
        defer { disk.unmount() }
        let harness = try await Self.startOnDisk("sqlitefull", size: 10_000, disk: disk)
        let statuses = try await harness.run {
            let itPid = harness.services.processes[.it]!.pid
            try await harness.planAndLaunchCampaigns()
            try disk.fill()
            try await harness.publish(0..<harness.workload.messages.count)
            let it = harness.services.http(.it)
            let status = try await eventually(
                "IT to say its database is unavailable", timeout: .seconds(60), every: .milliseconds(100)
            ) {
                let ready = try await it.get("/health/ready")
                return ready.status == 503 ? ready.object["status"] as? String : nil
            }
            #expect(status == "database unavailable")
            #expect(harness.services.processes[.it]!.output.contains("the disk holding it is full (SQLITE_FULL)"))
            #expect(try await it.get("/health/live").status == 200)
            // What was stored is still readable.
            #expect(try await it.get("/organic").status == 200)
            try await Task.sleep(for: .seconds(3))
            disk.free()
            try await harness.waitForExactState()
            _ = try await harness.checkEmittedEvents()
            let process = harness.services.processes[.it]!
            #expect(process.isRunning && process.pid == itPid, "IT kept running")
            #expect(process.output.contains("database unavailable; retrying with backoff"))
            #expect(process.output.contains("database available again"))
            harness.report()
        }
        #expect(statuses.values.allSatisfy { $0 == 0 }, "\(statuses)")
    }

    /// IT's SQLite file made read-only while it was stopped (its file system remounted read-only):
    /// it starts, says why it cannot open the file, retries, and carries on once the file system is
    /// writable again, with exact totals.
    @Test func sqliteReadOnlyFileAtStartIsRetriedUntilWritable() async throws {
        let disk = try SmallDisk(megabytes: 64)
        defer { disk.unmount() }
        let harness = try await Self.startOnDisk("sqlitereadonly", size: 6_000, disk: disk)
        let statuses = try await harness.run {
            try await harness.planAndLaunchCampaigns()
            #expect(await harness.services.processes[.it]!.stop() == 0)
            try disk.remount(readOnly: true)
            try harness.services.start(
                .it,
                environment: Harness.baseEnvironment.merging([
                    "TRIAD_DATABASE_URL": "sqlite:" + disk.path.appendingPathComponent("it.sqlite").path
                ]) { _, new in new })
            let process = harness.services.processes[.it]!
            _ = try await eventually(
                "IT to say its file is read-only", timeout: .seconds(30), every: .milliseconds(100)
            ) {
                process.output.contains("database unavailable at start") && process.output.contains("SQLITE_READONLY")
                    ? true : nil
            }
            try await harness.publish(0..<harness.workload.messages.count)
            try await Task.sleep(for: .seconds(3))
            #expect(process.isRunning, "IT waits for its file")
            try disk.remount(readOnly: false)
            try await harness.services.waitUntilReady()
            try await harness.waitForExactState()
            _ = try await harness.checkEmittedEvents()
            harness.report()
        } onFailure: {
            try? disk.remount(readOnly: false)
        }
        #expect(statuses.values.allSatisfy { $0 == 0 }, "\(statuses)")
    }

    /// Waits until `service` has applied at least `count` events (its consumed-events counters).
    static func waitUntilConsumed(_ harness: Harness, _ service: TriadServices.Name, atLeast count: Int) async throws {
        _ = try await eventually(
            "\(service) to consume \(count) events", timeout: .seconds(120), every: .milliseconds(100)
        ) {
            let metrics = try await harness.services.http(service).get("/metrics").text
            let consumed = metrics.split(separator: "\n").filter { $0.hasPrefix("triad_events_consumed_total{") }
                .compactMap { $0.split(separator: " ").last.flatMap { Int($0) } }.reduce(0, +)
            return consumed >= count ? true : nil
        }
    }
}

/// A tmpfs of its own (the tests run as root), to fill up or make read-only.
struct SmallDisk {
    let path: URL

    init(megabytes: Int) throws {
        path = Paths.scratch("small-disk")
        try Self.mount(["-t", "tmpfs", "-o", "size=\(megabytes)m", "tmpfs", path.path])
    }

    var filler: URL { path.appendingPathComponent("filler") }

    /// Writes a file until the disk has no room left.
    func fill() throws {
        _ = FileManager.default.createFile(atPath: filler.path, contents: nil)
        let handle = try FileHandle(forWritingTo: filler)
        defer { try? handle.close() }
        for chunk in [1 << 20, 4096, 512] {
            let bytes = Data(count: chunk)
            while (try? handle.write(contentsOf: bytes)) != nil {}
        }
    }

    func free() { try? FileManager.default.removeItem(at: filler) }

    func remount(readOnly: Bool) throws { try Self.mount(["-o", readOnly ? "remount,ro" : "remount,rw", path.path]) }

    func unmount() { _ = try? runToEnd(URL(fileURLWithPath: "/usr/bin/umount"), ["-l", path.path]) }

    private static func mount(_ arguments: [String]) throws {
        let (status, output) = try runToEnd(URL(fileURLWithPath: "/usr/bin/mount"), arguments)
        guard status == 0 else { throw MountFailed(arguments: arguments, output: output) }
    }

    struct MountFailed: Error {
        let arguments: [String]
        let output: String
    }
}

/// Asks every service for `/health/live` and `/health/ready` every 100 ms until stopped; counts
/// live answers other than 200 (or none within 5 s) and ready answers of 503, with their reasons.
final class HealthWatch: @unchecked Sendable {
    struct Seen: CustomStringConvertible {
        var polls: [TriadServices.Name: Int] = [:]
        var liveFailures: [TriadServices.Name: Int] = [:]
        var notReady: [TriadServices.Name: Int] = [:]
        var readyReasons: [TriadServices.Name: Set<String>] = [:]

        var description: String {
            TriadServices.Name.allCases.map { name in
                "\(name): polls=\(polls[name, default: 0]) live-failures=\(liveFailures[name, default: 0]) "
                    + "not-ready=\(notReady[name, default: 0]) reasons=\(readyReasons[name, default: []].map { String($0.prefix(60)) }.sorted())"
            }.joined(separator: "; ")
        }
    }

    private var task: Task<Void, Never>?
    private let seen = Mutex(Seen())
    /// Set by `stop`. The task is never cancelled: cancelling a task in the middle of a URLSession
    /// request can deadlock swift-corelibs-foundation (the cancellation handler resumes the request
    /// under the task's own lock), which hung a whole test run.
    private let stopping = Atomic<Bool>(false)

    init(_ services: TriadServices) {
        let ports = services.ports
        task = Task { [self] in
            // Every answer counts as it comes (a busy machine may not finish a round of all three
            // services before `stop`).
            while !stopping.load(ordering: .acquiring) {
                for (name, port) in ports {
                    let http = HTTPJSON(port: port, timeout: 5)
                    let live = try? await http.get("/health/live").status
                    let ready = try? await http.get("/health/ready")
                    seen.withLock { seen in
                        seen.polls[name, default: 0] += 1
                        if live != 200 { seen.liveFailures[name, default: 0] += 1 }
                        if let ready, ready.status == 503 {
                            seen.notReady[name, default: 0] += 1
                            seen.readyReasons[name, default: []].insert(ready.object["status"] as? String ?? "")
                        }
                    }
                }
                try? await Task.sleep(for: .milliseconds(100))
            }
        }
    }

    /// Whether every service was asked at least `count` times so far.
    func askedEveryService(atLeast count: Int) -> Bool {
        seen.withLock { seen in TriadServices.Name.allCases.allSatisfy { seen.polls[$0, default: 0] >= count } }
    }

    func stop() async -> Seen {
        stopping.store(true, ordering: .releasing)
        await task?.value
        return seen.withLock { $0 }
    }
}
