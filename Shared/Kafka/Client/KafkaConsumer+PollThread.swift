import CRdKafka
import Logging

extension KafkaConsumer {
    /// Polls librdkafka on a thread of its own, hands out batches, and ends with the final commit
    /// and the group leave. What it does next is the state machine's `nextPollAction()`.
    func startPollThread() {
        BlockingThread.start(name: "triad-consumer-poll") { [self] in
            var topicNames: [OpaquePointer: String] = [:]
            polling: while true {
                switch core.transition({ $0.nextPollAction() }) {
                case .wait:
                    core.waitForBell()
                case .poll(let generation):
                    collectBatch(startingAt: generation, topicNames: &topicNames)
                case .close(let effects):
                    core.perform(effects)
                    break polling
                }
            }
            // Every batch handed out is finished: the final commit includes all that was stored.
            let committed = rd_kafka_commit(handle.pointer, nil, 0)
            if committed != RD_KAFKA_RESP_ERR_NO_ERROR && committed != RD_KAFKA_RESP_ERR__NO_OFFSET {
                logger.warning(
                    "final commit failed", metadata: ["error": "\(String(cString: rd_kafka_err2str(committed)))"])
            }
            let closed = rd_kafka_consumer_close(handle.pointer)
            if closed != RD_KAFKA_RESP_ERR_NO_ERROR {
                logger.warning(
                    "consumer close reported an error",
                    metadata: ["error": "\(String(cString: rd_kafka_err2str(closed)))"])
            }
            core.transition { $0.closed() }?.resume(returning: nil)
        }
    }

    /// Collects one batch (up to `maxBatchSize` messages or `maxBatchBytes`) and hands it out.
    private func collectBatch(startingAt start: UInt64, topicNames: inout [OpaquePointer: String]) {
        var messages: [ConsumedMessage] = []
        var bytes = 0
        var timeout: Int32 = 100
        var generation = start
        while messages.count < configuration.maxBatchSize, bytes < configuration.maxBatchBytes,
            let raw = rd_kafka_consumer_poll(handle.pointer, timeout)
        {
            timeout = 0
            defer { rd_kafka_message_destroy(raw) }
            // A rebalance ran inside this poll: what was collected before it may belong to
            // partitions this member no longer owns. It was never stored, so it is fetched
            // again from the committed offset by whoever owns those partitions now.
            let now = core.transition { $0.generation }
            if now != generation {
                messages.removeAll()
                bytes = 0
                generation = now
            }
            let error = raw.pointee.err
            if error == RD_KAFKA_RESP_ERR__FATAL {
                let fatal = KafkaError(.consumer, "fatal consumer error", error)
                logger.critical("consumer stops on a fatal error", metadata: ["error": "\(fatal)"])
                core.apply { $0.fatal(fatal) }
                return
            }
            if error != RD_KAFKA_RESP_ERR_NO_ERROR {
                logger.warning(
                    "consumer poll reported an error",
                    metadata: ["error": "\(String(cString: rd_kafka_err2str(error)))"])
                continue
            }
            let message = ConsumedMessage(copying: raw, topicNames: &topicNames)
            bytes += message.sizeInBytes
            messages.append(message)
        }
        // Handed out only if no rebalance ran since the last message was taken.
        core.apply { $0.collected(messages, generation: generation) }
    }
}
