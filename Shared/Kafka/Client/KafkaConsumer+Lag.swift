import CRdKafka

extension KafkaConsumer {
    /// Messages not yet handled per assigned partition: the high watermark librdkafka last saw
    /// minus this member's position. A partition this member has taken nothing from since it was
    /// assigned has no position yet: its consumption starts at the group's committed offset (the
    /// low watermark when there is none), which is asked of the broker once per assignment. A
    /// partition whose watermark or start is not known yet is left out.
    public func lag() -> [TopicPartition: Int64] {
        var list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?
        let remembered = core.transition { $0.lagStartOffsets() }
        guard rd_kafka_assignment(handle.pointer, &list) == RD_KAFKA_RESP_ERR_NO_ERROR, let list else { return [:] }
        defer { rd_kafka_topic_partition_list_destroy(list) }
        guard rd_kafka_position(handle.pointer, list) == RD_KAFKA_RESP_ERR_NO_ERROR else { return [:] }
        let starts = startOffsets(ofUnpositioned: list, known: remembered.offsets, generation: remembered.generation)
        var lag: [TopicPartition: Int64] = [:]
        for index in 0..<Int(list.pointee.cnt) {
            let element = list.pointee.elems[index]
            let partition = TopicPartition(topic: String(cString: element.topic), partition: element.partition)
            var low: Int64 = 0
            var high: Int64 = 0
            guard
                rd_kafka_get_watermark_offsets(handle.pointer, element.topic, element.partition, &low, &high)
                    == RD_KAFKA_RESP_ERR_NO_ERROR, high >= 0
            else { continue }
            let position: Int64
            if element.offset >= 0 {
                position = element.offset
            } else if let start = starts[partition] {
                position = start >= 0 ? start : low
            } else {
                continue
            }
            lag[partition] = max(high - position, 0)
        }
        return lag
    }

    /// The committed offsets of the partitions in `list` that have no position, by partition
    /// (negative: none committed), remembered for the assignment `generation`: nothing is
    /// committed for a partition this member holds but has taken nothing from.
    private func startOffsets(
        ofUnpositioned list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>,
        known: [TopicPartition: Int64], generation: UInt64
    ) -> [TopicPartition: Int64] {
        var known = known
        let missing = (0..<Int(list.pointee.cnt)).map { list.pointee.elems[$0] }.filter { element in
            element.offset < 0
                && known[TopicPartition(topic: String(cString: element.topic), partition: element.partition)] == nil
        }
        guard !missing.isEmpty else { return known }
        let query = rd_kafka_topic_partition_list_new(Int32(missing.count))!
        defer { rd_kafka_topic_partition_list_destroy(query) }
        for element in missing { rd_kafka_topic_partition_list_add(query, element.topic, element.partition) }
        guard rd_kafka_committed(handle.pointer, query, 2000) == RD_KAFKA_RESP_ERR_NO_ERROR else { return known }
        for index in 0..<Int(query.pointee.cnt) where query.pointee.elems[index].err == RD_KAFKA_RESP_ERR_NO_ERROR {
            let element = query.pointee.elems[index]
            known[TopicPartition(topic: String(cString: element.topic), partition: element.partition)] = element.offset
        }
        let found = known
        core.transition { $0.rememberLagStartOffsets(found, generation: generation) }
        return known
    }
}
