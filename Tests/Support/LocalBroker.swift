import Foundation
import Logging
import TriadKafka

/// The local Kafka-compatible broker (Tansu, in memory), started through `scripts/broker.sh` on a free port.
public final class LocalBroker: Sendable {
    public let port: Int
    public let process: ManagedProcess

    public var bootstrapServers: String { "127.0.0.1:\(port)" }

    private init(port: Int, process: ManagedProcess) {
        self.port = port
        self.process = process
    }

    /// Starts a broker and waits until it answers an admin request.
    public static func start(logDirectory: URL) async throws -> LocalBroker {
        let port = freePort()
        let process = try ManagedProcess(
            name: "broker", executable: Paths.root.appendingPathComponent("scripts/broker.sh"),
            arguments: [String(port)], logDirectory: logDirectory)
        let broker = LocalBroker(port: port, process: process)
        _ = try await eventually("the broker on port \(port)", timeout: .seconds(30), every: .milliseconds(200)) {
            () -> Bool? in
            guard process.isRunning else { throw BrokerFailed(log: process.output) }
            do {
                try await broker.createTopics([("triad-probe", 1)], timeout: .seconds(2))
                return true
            } catch {
                return nil
            }
        }
        return broker
    }

    public func createTopics(_ topics: [(name: String, partitions: Int32)], timeout: Duration = .seconds(20))
        async throws
    {
        try await KafkaAdmin(configuration: KafkaConfiguration(bootstrapServers: bootstrapServers))
            .createTopics(topics, timeout: timeout)
    }

    public func stop() async { await process.stop() }
}

public struct BrokerFailed: Error, CustomStringConvertible {
    public let log: String
    public var description: String { "the broker exited:\n\(log)" }
}
