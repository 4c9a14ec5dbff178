import Foundation
import Logging
import ServiceLifecycle
import TestSupport
import Testing
import TriadKafka

/// A group rebalance between two consumers on the real local broker: no message is lost, and the
/// first consumer commits what it handled before its partitions move.
@Suite(.serialized) struct RebalanceTests {
    let logger = Logger(label: "test.rebalance")

    @Test func aSecondMemberTakesOverPartitionsWithoutLosingMessages() async throws {
        let logs = Paths.scratch("rebalance")
        let broker = try await LocalBroker.start(logDirectory: logs)
        let topic = "rebalance-\(UUID().uuidString.prefix(8))"
        try await broker.createTopics([(topic, 4)])
        let producer = try KafkaProducer(
            configuration: KafkaConfiguration(bootstrapServers: broker.bootstrapServers), logger: logger)

        func consumer(_ received: Received) throws -> KafkaConsumer {
            try KafkaConsumer(
                configuration: KafkaConsumerConfiguration(
                    client: KafkaConfiguration(bootstrapServers: broker.bootstrapServers), groupID: "group-\(topic)",
                    sessionTimeout: .seconds(6), heartbeatInterval: .milliseconds(500), maxBatchSize: 20),
                topics: [topic], logger: logger
            ) { received.add($0) }
        }
        func publish(_ range: Range<Int>) async throws {
            try await producer.send(
                all: range.map {
                    OutgoingMessage(topic: topic, key: Array("key-\($0)".utf8), value: Array("m\($0)".utf8))
                })
        }

        let a = Received()
        let b = Received()
        let first = try consumer(a)
        let firstGroup = ServiceGroup(services: [first], logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await firstGroup.run() }
            _ = try await eventually("the first member to own 4 partitions") {
                first.assignedPartitions.count == 4 ? true : nil
            }
            try await publish(0..<400)
            _ = try await eventually("the first member to read the first half") { a.count >= 400 ? true : nil }

            // A consumer joins its group as soon as it subscribes, so the second one is made only now.
            let second = try consumer(b)
            let secondGroup = ServiceGroup(services: [second], logger: logger)
            tasks.addTask { try await secondGroup.run() }
            _ = try await eventually("both members to share the partitions", timeout: .seconds(60)) {
                first.isAssigned && second.isAssigned && first.assignedPartitions.count == 2
                    && second.assignedPartitions.count == 2 ? true : nil
            }
            try await publish(400..<800)
            _ = try await eventually("every message to be read", timeout: .seconds(60)) {
                Set(a.values + b.values).count == 800 ? true : nil
            }
            await secondGroup.triggerGracefulShutdown()
            await firstGroup.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        await producer.shutdown()
        await broker.stop()

        let all = a.values + b.values
        #expect(Set(all).count == 800)
        #expect(all.count == 800, "redelivered \(all.count - 800) messages although offsets were committed on revoke")
        #expect(b.count > 0)
        #expect(a.values.filter { Int($0.dropFirst())! >= 400 }.count > 0)
        print(
            "rebalance: 800 messages, first member read \(a.count), second \(b.count), duplicates \(all.count - Set(all).count)"
        )
    }
}
