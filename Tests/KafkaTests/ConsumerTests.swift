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
        _ servers: String, group: String, topics: [String], maxBatchBytes: Int = 16 << 20,
        handler: @escaping KafkaConsumer.Handler
    ) throws -> KafkaConsumer {
        try KafkaConsumer(
            configuration: configuration(servers, group: group, maxBatchSize: 50, maxBatchBytes: maxBatchBytes),
            topics: topics, logger: logger, handler: handler)
    }

    func configuration(
        _ servers: String, group: String, maxBatchSize: Int, maxBatchBytes: Int = 16 << 20
    ) -> KafkaConsumerConfiguration {
        KafkaConsumerConfiguration(
            client: KafkaConfiguration(bootstrapServers: servers), groupID: group, sessionTimeout: .seconds(6),
            heartbeatInterval: .milliseconds(500), maxBatchSize: maxBatchSize, maxBatchBytes: maxBatchBytes)
    }

    func publish(_ servers: String, topic: String, range: Range<Int>) async throws {
        let producer = try KafkaProducer(configuration: KafkaConfiguration(bootstrapServers: servers), logger: logger)
        try await producer.send(
            all: range.map {
                OutgoingMessage(
                    topic: topic, key: Array("k\($0 % 5)".utf8), value: Array("m\($0)".utf8),
                    headers: [KafkaHeader("n", String($0))])
            })
        await producer.shutdown()
    }

    /// What a new member of `group` reads of topic `t` until m119, from the group's committed offsets.
    func readToTheEnd(_ servers: String, group name: String) async throws -> Received {
        let received = Received()
        let member = try consumer(servers, group: name, topics: ["t"]) { received.add($0) }
        let group = ServiceGroup(services: [member], logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            _ = try await eventually("the rest of the messages", timeout: .seconds(30)) {
                received.values.contains("m119") ? true : nil
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        return received
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

    /// Large messages make small batches: a batch closes once it holds the byte budget.
    @Test func batchesCloseAtTheirByteBudget() async throws {
        let mock = MockCluster()
        mock.createTopic("t", partitions: 1)
        let producer = try KafkaProducer(
            configuration: KafkaConfiguration(bootstrapServers: mock.bootstrapServers), logger: logger)
        try await producer.send(
            all: (0..<40).map { _ in
                OutgoingMessage(
                    topic: "t", key: nil, value: Array(repeating: UInt8(ascii: "x"), count: 30_000), headers: [])
            })
        await producer.shutdown()
        let sizes = Mutex<[Int]>([])
        let consumer = try consumer(mock.bootstrapServers, group: "g3", topics: ["t"], maxBatchBytes: 100_000) {
            batch in
            sizes.withLock { $0.append(batch.count) }
        }
        let group = ServiceGroup(services: [consumer], logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            _ = try await eventually("40 messages", timeout: .seconds(30)) {
                sizes.withLock { $0.reduce(0, +) } >= 40 ? true : nil
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        let seen = sizes.withLock { $0 }
        #expect(seen.reduce(0, +) == 40)
        #expect(seen.allSatisfy { $0 <= 4 }, "batches of at most 4 × 30,000 bytes (the 4th reaches 100,000): \(seen)")
        #expect(seen.contains(4), "the budget, not the poll, closed some batches: \(seen)")
    }

    /// A member given partitions with nothing new on them has taken nothing from them yet (no
    /// position): its lag counts from the group's committed offset, not from the partition's start.
    @Test func lagCountsFromTheCommittedOffsetBeforeAnythingIsTaken() async throws {
        let mock = MockCluster()
        mock.createTopic("t", partitions: 2)
        try await publish(mock.bootstrapServers, topic: "t", range: 0..<120)
        for round in ["reads everything", "takes over with nothing new"] {
            let received = Received()
            let member = try consumer(mock.bootstrapServers, group: "g-lag", topics: ["t"]) { received.add($0) }
            let group = ServiceGroup(services: [member], logger: logger)
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await group.run() }
                let lag = try await eventually("a lag for both partitions (\(round))", timeout: .seconds(30)) {
                    () -> [TopicPartition: Int64]? in
                    let lag = member.lag()
                    return lag.count == 2 && received.count == (round == "reads everything" ? 120 : 0) ? lag : nil
                }
                #expect(lag.values.allSatisfy { $0 == 0 }, "\(round): \(lag)")
                await group.triggerGracefulShutdown()
                try await tasks.waitForAll()
            }
        }
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

        let second = try await readToTheEnd(mock.bootstrapServers, group: "g2")
        // Everything the first consumer handled was committed; the failed batch comes again.
        #expect(second.values.first == "m\(handled)")
        #expect(second.values.contains("m60"))
    }

    @Test func offsetsWaitForTheConfirmationWhichRunsBesideTheNextBatch() async throws {
        let mock = MockCluster()
        mock.createTopic("t", partitions: 1)
        try await publish(mock.bootstrapServers, topic: "t", range: 0..<120)

        // Each batch's work returns at once; its confirmation takes a while, and fails for m60's batch.
        let confirmed = Received()
        let confirming = Mutex(0)
        let overlapped = Mutex(false)
        let failing = try KafkaConsumer(
            configuration: configuration(mock.bootstrapServers, group: "g4", maxBatchSize: 10),
            topics: ["t"], logger: logger,
            stagedHandler: { batch in
                {
                    if confirming.withLock({ $0 }) > 0 { overlapped.withLock { $0 = true } }
                    return {
                        confirming.withLock { $0 += 1 }
                        defer { confirming.withLock { $0 -= 1 } }
                        try await Task.sleep(for: .milliseconds(50))
                        if batch.contains(where: { $0.value == Array("m60".utf8) }) { throw HandlerFailed() }
                        confirmed.add(batch)
                    }
                }
            })
        await #expect(throws: HandlerFailed.self) { try await failing.run() }
        let handled = confirmed.count
        #expect(handled > 0 && handled <= 60)
        #expect(overlapped.withLock { $0 }, "a batch's work ran while the one before it was being confirmed")

        let second = try await readToTheEnd(mock.bootstrapServers, group: "g4")
        // Only confirmed batches were committed: the unconfirmed one comes again.
        #expect(second.values.first == "m\(handled)")
    }
}
