import Logging
import ServiceLifecycle
import Synchronization
import TestSupport
import Testing
import TriadKafka

/// Collects what a consumer's handler saw.
final class Received: Sendable {
    let messages = Mutex<[ConsumedMessage]>([])
    var count: Int { messages.withLock { $0.count } }
    var values: [String] { messages.withLock { $0.map { String(decoding: $0.value, as: UTF8.self) } } }
    func add(_ batch: [ConsumedMessage]) { messages.withLock { $0 += batch } }
}

struct HandlerFailed: Error {}

@Suite(.serialized) struct ConsumerTests {
    let logger = Logger(label: "test.consumer")

    func consumer(
        _ servers: String, group: String, topics: [String], handler: @escaping KafkaConsumer.Handler
    ) throws -> KafkaConsumer {
        try KafkaConsumer(
            configuration: KafkaConfiguration(
                bootstrapServers: servers,
                properties: ["group.id": group, "session.timeout.ms": "6000", "heartbeat.interval.ms": "500"]),
            topics: topics, logger: logger, maxBatchSize: 50, handler: handler)
    }

    func publish(_ servers: String, topic: String, range: Range<Int>) async throws {
        let producer = try KafkaProducer(configuration: KafkaConfiguration(bootstrapServers: servers), logger: logger)
        try await producer.send(
            all: range.map {
                OutgoingMessage(topic: topic, key: Array("k\($0 % 5)".utf8), value: Array("m\($0)".utf8), headers: [KafkaHeader("n", String($0))])
            })
        await producer.shutdown()
    }

    @Test func consumesEveryMessageInOrderPerKeyWithHeaders() async throws {
        let mock = MockCluster()
        mock.createTopic("t", partitions: 3)
        try await publish(mock.bootstrapServers, topic: "t", range: 0..<200)
        let received = Received()
        let consumer = try consumer(mock.bootstrapServers, group: "g1", topics: ["t"]) { received.add($0) }
        let group = ServiceGroup(services: [consumer], logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            _ = try await eventually("200 messages", timeout: .seconds(30)) { received.count >= 200 ? true : nil }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        #expect(received.count == 200)
        let byKey = Dictionary(grouping: received.messages.withLock { $0 }, by: { $0.keyText! })
        for (_, messages) in byKey {
            let numbers = messages.map { Int($0.header("n")!.text!)! }
            #expect(numbers == numbers.sorted())
        }
        #expect(received.messages.withLock { $0.first?.header("n") != nil })
    }

    @Test func aFailingHandlerStopsTheConsumerAndItsBatchIsReadAgain() async throws {
        let mock = MockCluster()
        mock.createTopic("t", partitions: 1)
        try await publish(mock.bootstrapServers, topic: "t", range: 0..<120)

        let first = Received()
        let failing = try consumer(mock.bootstrapServers, group: "g2", topics: ["t"]) { batch in
            if batch.contains(where: { $0.value == Array("m60".utf8) }) { throw HandlerFailed() }
            first.add(batch)
        }
        await #expect(throws: HandlerFailed.self) { try await failing.run() }
        let handled = first.count
        #expect(handled > 0 && handled <= 60)

        let second = Received()
        let again = try consumer(mock.bootstrapServers, group: "g2", topics: ["t"]) { second.add($0) }
        let group = ServiceGroup(services: [again], logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            _ = try await eventually("the rest of the messages", timeout: .seconds(30)) { second.values.contains("m119") ? true : nil }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        // Everything the first consumer handled was committed; the failed batch comes again.
        #expect(second.values.first == "m\(handled)")
        #expect(second.values.contains("m60"))
    }
}
