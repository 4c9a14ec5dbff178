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
        let (process, port) = try await startOnFreePort(
            "the broker", timeout: .seconds(30),
            launch: { port in
                try ManagedProcess(
                    name: "broker", executable: Paths.root.appendingPathComponent("scripts/broker.sh"),
                    arguments: [String(port)], logDirectory: logDirectory)
            },
            answers: { port in
                do {
                    try await KafkaAdmin(configuration: KafkaConfiguration(bootstrapServers: "127.0.0.1:\(port)"))
                        .createTopics([("triad-probe", 1)], timeout: .seconds(2))
                    return true
                } catch {
                    return false
                }
            }, exited: { BrokerFailed(log: $0) })
        return LocalBroker(port: port, process: process)
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
