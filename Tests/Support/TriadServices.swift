import Foundation

/// The three service executables running as separate processes against one broker.
public final class TriadServices: @unchecked Sendable {
    public enum Name: String, CaseIterable, Sendable {
        case marketing, finance, it
        public var executable: String { "\(rawValue)-service" }
    }

    public let broker: LocalBroker
    public let logs: URL
    public private(set) var processes: [Name: ManagedProcess] = [:]
    public private(set) var ports: [Name: Int] = [:]
    /// What each service was last started with on top of the common settings.
    private var environments: [Name: [String: String]] = [:]

    public init(broker: LocalBroker, logs: URL) {
        self.broker = broker
        self.logs = logs
    }

    public func http(_ name: Name) -> HTTPJSON { HTTPJSON(port: ports[name]!) }

    /// Starts a service (or restarts it on the same port) with the common test settings plus `environment`.
    public func start(_ name: Name, environment: [String: String] = [:]) throws {
        let port = ports[name] ?? freePort()
        ports[name] = port
        environments[name] = environment
        let base = [
            "TRIAD_KAFKA_BROKERS": broker.bootstrapServers, "TRIAD_HTTP_PORT": String(port),
            "TRIAD_REPORT_INTERVAL_MS": "200", "TRIAD_LOG_LEVEL": "info",
            "TRIAD_DATABASE_URL": "sqlite:" + logs.appendingPathComponent("\(name.rawValue).sqlite").path,
        ]
        processes[name] = try ManagedProcess(
            name: name.rawValue, executable: Paths.executable(name.executable),
            environment: base.merging(environment) { _, new in new }, logDirectory: logs)
    }

    /// Waits until every running service says it is ready; fails with the log of one that exited. A
    /// service that lost its port to another process (between `freePort()`'s check and its bind) is
    /// started again on another port.
    public func waitUntilReady(timeout: Duration = .seconds(90)) async throws {
        for name in processes.keys.sorted(by: { $0.rawValue < $1.rawValue }) {
            var moves = 0
            _ = try await eventually(
                "\(name.rawValue)-service to be ready", timeout: timeout, every: .milliseconds(200)
            ) {
                () -> Bool? in
                let process = processes[name]!
                guard process.isRunning else {
                    let chosenPort = environments[name]?["TRIAD_HTTP_PORT"] == nil
                    guard chosenPort, lostItsPort(process), moves < 3 else {
                        throw ServiceExited(name: name.rawValue, log: process.output)
                    }
                    moves += 1
                    ports[name] = freePort()
                    try start(name, environment: environments[name] ?? [:])
                    return nil
                }
                return await http(name).status("/health/ready") == 200 ? true : nil
            }
        }
    }

    /// Stops every service with SIGTERM; returns their exit statuses.
    public func stopAll() async -> [Name: Int32] {
        var statuses: [Name: Int32] = [:]
        for (name, process) in processes { statuses[name] = await process.stop() }
        return statuses
    }

    /// Starts a broker and the three services in `logs` (each with the common settings plus
    /// `environment[name]`), waits until they are ready and plays `scenario` on them. Whatever
    /// happens, the services and the broker are stopped; on a failure each service's log tail (and
    /// `onFailure`'s output) is printed first. Returns the services' exit statuses after SIGTERM.
    public static func play(
        logs: URL, environment: [Name: [String: String]] = [:], onFailure: () -> Void = {},
        _ scenario: (TriadServices) async throws -> Void
    ) async throws -> [Name: Int32] {
        let broker = try await LocalBroker.start(logDirectory: logs)
        let suite = TriadServices(broker: broker, logs: logs)
        do {
            for name in Name.allCases { try suite.start(name, environment: environment[name] ?? [:]) }
            try await suite.waitUntilReady()
            try await scenario(suite)
        } catch {
            for name in Name.allCases { print("--- \(name.rawValue)-service log ---\n\(suite.logTail(name))") }
            onFailure()
            _ = await suite.stopAll()
            await broker.stop()
            throw error
        }
        let statuses = await suite.stopAll()
        await broker.stop()
        return statuses
    }

    public func logTail(_ name: Name, lines: Int = 40) -> String {
        (processes[name]?.output ?? "").split(separator: "\n").suffix(lines).joined(separator: "\n")
    }
}

public struct ServiceExited: Error, CustomStringConvertible {
    public let name: String
    public let log: String
    public var description: String { "\(name)-service exited:\n\(log)" }

    public init(name: String, log: String) {
        self.name = name
        self.log = log
    }
}

/// Runs `scripts/publish_events.py` (Python confluent-kafka): events from outside Triad.
public func publishWithPython(brokers: String, topic: String, file: URL, mode: String = "structured") throws {
    let (status, output) = try runToEnd(
        URL(fileURLWithPath: Paths.python),
        [
            Paths.root.appendingPathComponent("scripts/publish_events.py").path, "--brokers", brokers, "--topic", topic,
            "--file", file.path, "--mode", mode,
        ])
    print(output, terminator: "")
    guard status == 0 else { throw PublishFailed(topic: topic, status: status) }
}

public struct PublishFailed: Error {
    public let topic: String
    public let status: Int32
}
