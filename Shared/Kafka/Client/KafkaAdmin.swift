import CRdKafka

/// Creates topics. Topics that already exist count as created, so this is safe to run at every start.
public struct KafkaAdmin: Sendable {
    public let configuration: KafkaConfiguration

    public init(configuration: KafkaConfiguration) { self.configuration = configuration }

    /// Creates each topic with `partitions` partitions unless it exists; throws naming the first topic that failed.
    public func createTopics(
        _ topics: [(name: String, partitions: Int32)], replicationFactor: Int32 = 1, timeout: Duration = .seconds(30)
    ) async throws(KafkaError) {
        let conf = try configuration.makeNative()
        let handle = try KafkaHandle(type: RD_KAFKA_PRODUCER, conf: conf)
        let timeoutMs = Int32(timeout.components.seconds * 1000)
        let failure: KafkaError? = await BlockingThread.run(name: "triad-admin") {
            Self.create(topics, replicationFactor: replicationFactor, timeoutMs: timeoutMs, on: handle)
        }
        if let failure { throw failure }
    }

    /// The low and high watermark of every partition of a topic (high = the offset the next message gets).
    public func watermarks(topic: String, timeout: Duration = .seconds(10)) async throws(KafkaError) -> [Int32: (
        low: Int64, high: Int64
    )] {
        let conf = try configuration.makeNative()
        let handle = try KafkaHandle(type: RD_KAFKA_PRODUCER, conf: conf)
        let timeoutMs = Int32(timeout.components.seconds * 1000)
        let result: Result<[Int32: (low: Int64, high: Int64)], KafkaError> = await BlockingThread.run(
            name: "triad-admin"
        ) {
            guard let topicHandle = rd_kafka_topic_new(handle.pointer, topic, nil) else {
                return .failure(KafkaError(.admin, "cannot open topic \(topic)"))
            }
            defer { rd_kafka_topic_destroy(topicHandle) }
            var metadata: UnsafePointer<rd_kafka_metadata>?
            let error = rd_kafka_metadata(handle.pointer, 0, topicHandle, &metadata, timeoutMs)
            guard error == RD_KAFKA_RESP_ERR_NO_ERROR, let metadata else {
                return .failure(KafkaError(.admin, "no metadata for \(topic)", error))
            }
            defer { rd_kafka_metadata_destroy(metadata) }
            guard metadata.pointee.topic_cnt == 1, metadata.pointee.topics[0].err == RD_KAFKA_RESP_ERR_NO_ERROR else {
                return .failure(KafkaError(.admin, "topic \(topic) does not exist"))
            }
            var marks: [Int32: (low: Int64, high: Int64)] = [:]
            let topicMetadata = metadata.pointee.topics[0]
            for index in 0..<Int(topicMetadata.partition_cnt) {
                let partition = topicMetadata.partitions[index].id
                var low: Int64 = 0
                var high: Int64 = 0
                let queried = rd_kafka_query_watermark_offsets(handle.pointer, topic, partition, &low, &high, timeoutMs)
                guard queried == RD_KAFKA_RESP_ERR_NO_ERROR else {
                    return .failure(KafkaError(.admin, "no watermarks for \(topic)[\(partition)]", queried))
                }
                marks[partition] = (low, high)
            }
            return .success(marks)
        }
        return try result.get()
    }

    private static func create(
        _ topics: [(name: String, partitions: Int32)], replicationFactor: Int32, timeoutMs: Int32,
        on handle: KafkaHandle
    ) -> KafkaError? {
        var errorText = [CChar](repeating: 0, count: 512)
        var newTopics: [OpaquePointer?] = []
        defer { for topic in newTopics { rd_kafka_NewTopic_destroy(topic) } }
        for topic in topics {
            guard
                let newTopic = rd_kafka_NewTopic_new(
                    topic.name, topic.partitions, replicationFactor, &errorText, errorText.count)
            else {
                return KafkaError(.admin, "topic \(topic.name): \(errorText.nulTerminatedString)")
            }
            newTopics.append(newTopic)
        }
        let queue = rd_kafka_queue_new(handle.pointer)
        defer { rd_kafka_queue_destroy(queue) }
        let options = rd_kafka_AdminOptions_new(handle.pointer, RD_KAFKA_ADMIN_OP_CREATETOPICS)
        defer { rd_kafka_AdminOptions_destroy(options) }
        rd_kafka_AdminOptions_set_operation_timeout(options, timeoutMs, &errorText, errorText.count)
        rd_kafka_AdminOptions_set_request_timeout(options, timeoutMs, &errorText, errorText.count)
        newTopics.withUnsafeMutableBufferPointer { buffer in
            rd_kafka_CreateTopics(handle.pointer, buffer.baseAddress, buffer.count, options, queue)
        }
        guard let event = rd_kafka_queue_poll(queue, timeoutMs + 5000) else {
            return KafkaError(.admin, "no reply to CreateTopics within \(timeoutMs) ms")
        }
        defer { rd_kafka_event_destroy(event) }
        let eventError = rd_kafka_event_error(event)
        guard eventError == RD_KAFKA_RESP_ERR_NO_ERROR else {
            return KafkaError(
                .admin, "CreateTopics failed: \(String(cString: rd_kafka_event_error_string(event)))",
                librdkafkaError: eventError.rawValue)
        }
        guard let result = rd_kafka_event_CreateTopics_result(event) else {
            return KafkaError(.admin, "CreateTopics returned no result")
        }
        var count = 0
        guard let statuses = rd_kafka_CreateTopics_result_topics(result, &count) else { return nil }
        for index in 0..<count {
            let status = statuses[index]
            let error = rd_kafka_topic_result_error(status)
            if error == RD_KAFKA_RESP_ERR_NO_ERROR || error == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS { continue }
            let name = String(cString: rd_kafka_topic_result_name(status))
            let reason = rd_kafka_topic_result_error_string(status).map { String(cString: $0) } ?? ""
            return KafkaError(.admin, "could not create topic \(name): \(reason)", librdkafkaError: error.rawValue)
        }
        return nil
    }
}
