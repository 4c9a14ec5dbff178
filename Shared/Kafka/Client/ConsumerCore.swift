import CRdKafka
import Dispatch
import Logging
import Synchronization

/// A consumer's state machine behind its one lock, and the bell its poll thread waits on.
/// librdkafka's callbacks (rebalance, errors) reach it through their opaque pointer.
final class ConsumerCore: Sendable {
    typealias Machine = KafkaConsumer.StateMachine<CheckedContinuation<KafkaConsumer.Step?, Never>>

    let logger: Logger
    private let machine = Mutex(Machine())
    /// Rung when the poll thread waits (for batches to finish) and something it waits for changed.
    private let bell = DispatchSemaphore(value: 0)

    init(logger: Logger) { self.logger = logger }

    /// Runs one transition under the lock.
    func transition<Result: Sendable>(_ body: (inout Machine) -> Result) -> Result {
        machine.withLock { body(&$0) }
    }

    /// Runs one transition under the lock, then what it asks for outside it.
    func apply(_ body: (inout Machine) -> Machine.Effects) {
        perform(machine.withLock { body(&$0) })
    }

    /// Resumes the lanes and wakes the poll thread as `effects` asks; the batches it releases are
    /// freed here, outside the lock.
    func perform(_ effects: Machine.Effects) {
        for (waiter, step) in effects.resume { waiter.resume(returning: step) }
        if effects.wakePollThread { bell.signal() }
    }

    /// Blocks the poll thread until a transition rings the bell.
    func waitForBell() { bell.wait() }

    /// Runs inside a poll, on the poll thread.
    func rebalance(
        _ rk: OpaquePointer, _ error: rd_kafka_resp_err_t,
        _ partitions: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?
    ) {
        let list = partitions.map { Self.partitions(of: $0) } ?? []
        transition { $0.rebalanceStarted() }
        switch error {
        case RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS:
            let result = rd_kafka_assign(rk, partitions)
            if result != RD_KAFKA_RESP_ERR_NO_ERROR {
                logger.error("assign failed", metadata: ["error": "\(String(cString: rd_kafka_err2str(result)))"])
                return
            }
            transition { $0.assigned(list) }
            logger.info(
                "partitions assigned", metadata: ["partitions": "\(list.map(\.description).joined(separator: ","))"])
        case RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS:
            // Once the batches in flight are finished, the stored offsets are complete: commit
            // them before the partitions go to another member. A lost assignment (session timed
            // out) cannot commit any more.
            while case .wait = transition({ $0.revokeAction() }) { waitForBell() }
            let committed =
                rd_kafka_assignment_lost(rk) != 0 ? RD_KAFKA_RESP_ERR__NO_OFFSET : rd_kafka_commit(rk, nil, 0)
            if committed != RD_KAFKA_RESP_ERR_NO_ERROR && committed != RD_KAFKA_RESP_ERR__NO_OFFSET {
                logger.warning(
                    "commit on revoke failed", metadata: ["error": "\(String(cString: rd_kafka_err2str(committed)))"])
            }
            rd_kafka_assign(rk, nil)
            transition { $0.revoked() }
            logger.info(
                "partitions revoked", metadata: ["partitions": "\(list.map(\.description).joined(separator: ","))"])
        default:
            logger.error("rebalance failed", metadata: ["error": "\(String(cString: rd_kafka_err2str(error)))"])
            rd_kafka_assign(rk, nil)
            transition { $0.revoked() }
        }
    }

    static func partitions(of list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>) -> [TopicPartition] {
        (0..<Int(list.pointee.cnt)).map { index in
            let element = list.pointee.elems[index]
            return TopicPartition(topic: String(cString: element.topic), partition: element.partition)
        }
    }
}
