import CRdKafka
import Logging
import Testing
import TriadKafka

@Suite(.serialized) struct ProducerTests {
    let logger = Logger(label: "test.producer")

    func producer(_ mock: MockCluster, _ extra: [String: String] = [:]) throws -> KafkaProducer {
        try KafkaProducer(
            configuration: KafkaConfiguration(bootstrapServers: mock.bootstrapServers, properties: extra),
            logger: logger,
            flushTimeout: .seconds(10))
    }

    func message(_ topic: String, _ index: Int) -> OutgoingMessage {
        OutgoingMessage(
            topic: topic, key: Array("k\(index % 7)".utf8), value: Array("v\(index)".utf8),
            headers: [KafkaHeader("content-type", "text/plain"), KafkaHeader("index", String(index))])
    }

    @Test func deliveryReportsCarryPartitionAndOffset() async throws {
        let mock = MockCluster()
        mock.createTopic("t", partitions: 1)
        let producer = try producer(mock)
        let first = try await producer.send(message("t", 0))
        let second = try await producer.send(message("t", 1))
        #expect(first.topic == "t")
        #expect(first.partition == 0)
        #expect(second.offset == first.offset + 1)
        await producer.shutdown()
    }

    @Test func aFullQueueMakesSendersWaitInsteadOfFailing() async throws {
        let mock = MockCluster()
        mock.createTopic("t", partitions: 2)
        // Room for five messages only: 300 sends must wait for delivery reports to free room.
        let producer = try producer(mock, ["queue.buffering.max.messages": "5", "linger.ms": "1"])
        let reports = try await producer.send(all: (0..<300).map { message("t", $0) })
        #expect(reports.count == 300)
        let offsets = Dictionary(grouping: reports, by: \.partition).mapValues { $0.map(\.offset) }
        for (_, partitionOffsets) in offsets { #expect(partitionOffsets == partitionOffsets.sorted()) }
        await producer.shutdown()
    }

    @Test func sendsWaitWhileTheBrokerIsDownAndSucceedWhenItIsBack() async throws {
        let mock = MockCluster()
        mock.createTopic("t", partitions: 1)
        // A request the downed mock broker swallowed is given up after 3 s and sent again; without this
        // it waited the default 60 s socket timeout, as long as the message's own timeout (a CI failure).
        let producer = try producer(
            mock, ["message.timeout.ms": "60000", "socket.timeout.ms": "3000", "request.timeout.ms": "3000"])
        try await producer.send(message("t", 0))
        mock.setAllBrokers(up: false)
        let pending = try await producer.enqueue(message("t", 1))
        // While the broker is down no report arrives (a window observed, not a condition awaited).
        try await Task.sleep(for: .seconds(2))
        #expect(!pending.isSettled)
        mock.setAllBrokers(up: true)
        let report = try await pending.report()
        #expect(report.offset == 1)
        await producer.shutdown()
    }

    @Test func retriableRequestErrorsAreRetried() async throws {
        let mock = MockCluster()
        mock.createTopic("t", partitions: 1)
        let producer = try producer(mock)
        mock.pushRequestErrors(
            apiKey: ApiKey.produce,
            [
                RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS, RD_KAFKA_RESP_ERR_NOT_ENOUGH_REPLICAS,
                RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT,
            ])
        let report = try await producer.send(message("t", 0))
        #expect(report.offset == 0)
        await producer.shutdown()
    }

    @Test func permanentErrorsFailTheDelivery() async throws {
        let mock = MockCluster()
        mock.createTopic("t", partitions: 1)
        let producer = try producer(mock, ["message.timeout.ms": "5000"])
        mock.pushRequestErrors(apiKey: ApiKey.produce, [RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED])
        await #expect(throws: KafkaError.self) { try await producer.send(message("t", 0)) }
        await producer.shutdown()
    }

    @Test func messagesTooLargeAreRefusedForGood() async throws {
        let mock = MockCluster()
        mock.createTopic("t", partitions: 1)
        let producer = try producer(mock, ["message.max.bytes": "1000"])
        let big = OutgoingMessage(topic: "t", key: nil, value: Array(repeating: 7, count: 5000))
        await #expect {
            try await producer.send(big)
        } throws: { error in
            (error as? KafkaError)?.isPermanentForMessage == true
        }
        // A transient failure is not permanent.
        #expect(
            !KafkaError(.delivery, "timed out", librdkafkaError: RD_KAFKA_RESP_ERR__MSG_TIMED_OUT.rawValue)
                .isPermanentForMessage)
        await producer.shutdown()
    }

    @Test func shutdownFlushesWhatIsInFlight() async throws {
        let mock = MockCluster()
        mock.createTopic("t", partitions: 1)
        let producer = try producer(mock, ["linger.ms": "200"])
        var pending: [PendingDelivery] = []
        for index in 0..<50 { pending.append(try await producer.enqueue(message("t", index))) }
        await producer.shutdown()
        for delivery in pending { _ = try await delivery.report() }
        await #expect(throws: KafkaError.self) { try await producer.send(message("t", 99)) }
    }

    @Test func badPropertiesAreNamedAndSecretsAreNotShown() throws {
        #expect {
            try KafkaProducer(
                configuration: KafkaConfiguration(
                    bootstrapServers: "127.0.0.1:1", properties: ["no.such.property": "1"]),
                logger: logger)
        } throws: { error in
            (error as? KafkaError)?.code == .configuration && "\(error)".contains("no.such.property")
        }
        let configuration = KafkaConfiguration(
            bootstrapServers: "127.0.0.1:1", properties: ["sasl.password": "hunter2", "sasl.username": "me"])
        #expect(!configuration.description.contains("hunter2"))
        #expect(configuration.description.contains("sasl.username=me"))
    }

    @Test func runtimesOlderThan2_2AreRefusedWithAFix() {
        #expect(LibrdkafkaVersion.loaded.isSupported)
        let old = LibrdkafkaVersion(number: 0x0200_02ff, text: "2.0.2")
        #expect {
            try old.requireSupported()
        } throws: { error in
            let text = "\(error)"
            return text.contains("2.0.2") && text.contains("2.2 or newer") && text.contains("LD_LIBRARY_PATH")
        }
    }
}
