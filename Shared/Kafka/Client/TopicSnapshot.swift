import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// Reads everything a topic holds right now, with a throw-away consumer group that commits
/// nothing: for operators' tools (dead letters) and for tests that check what services emitted.
public enum TopicSnapshot {
    public static func read(
        topic: String, configuration: KafkaConfiguration, logger: Logger, timeout: Duration = .seconds(60)
    ) async throws -> [ConsumedMessage] {
        let ends = try await KafkaAdmin(configuration: configuration).watermarks(topic: topic)
        let pending = ends.filter { $0.value.high > $0.value.low }
        guard !pending.isEmpty else { return [] }
        let read = Mutex<[ConsumedMessage]>([])
        let consumer = try KafkaConsumer(
            configuration: KafkaConsumerConfiguration(
                client: configuration, groupID: "triad-snapshot-\(UUID().uuidString.lowercased())",
                sessionTimeout: .seconds(6), heartbeatInterval: .seconds(1), commitsPeriodically: false),
            topics: [topic], logger: logger
        ) { batch in
            read.withLock { $0 += batch }
        }
        let group = ServiceGroup(services: [consumer], logger: logger)
        var caughtUp = false
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            let deadline = ContinuousClock.now + timeout
            while ContinuousClock.now < deadline {
                caughtUp = read.withLock { messages in
                    pending.allSatisfy { partition, marks in
                        messages.contains { $0.partition == partition && $0.offset >= marks.high - 1 }
                    }
                }
                if caughtUp { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        guard caughtUp else { throw KafkaError(.consumer, "could not read \(topic) to its end within \(timeout)") }
        return read.withLock { $0 }.sorted { ($0.partition, $0.offset) < ($1.partition, $1.offset) }
    }
}
