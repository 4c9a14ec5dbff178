import CRdKafka
import Logging
import ServiceLifecycle

/// A consumer-group member that hands batches of messages to a handler, in order.
///
/// - A dedicated thread polls librdkafka; the handler runs on Swift's concurrency pool. A handler
///   comes in three steps: preparing a batch (decoding, say), the work that must run in order, and
///   the confirmation the work returns (its commit reaching the disk). Each step has a lane that
///   takes batches in order: while one batch is confirmed and the next one's work runs, the thread
///   collects a third batch and its preparation runs, so at most three batches are in flight; the
///   thread waits for the oldest before it polls again.
/// - A rebalance callback (it runs inside a poll) first waits until every batch handed out is
///   finished, so a revoke always sees in-flight work done and its offsets stored.
/// - Offsets are stored only after the handler's work returned and what it returned confirmed (its
///   commit durable, say); the confirmation may overlap the next batch's work, and offsets are stored
///   in batch order. librdkafka's auto-commit commits stored offsets. On partition revoke and on
///   shutdown, stored offsets are committed synchronously first.
/// - Eager assignment (`range,roundrobin`), so a revoke always means "give everything back".
/// - If the handler throws, the batch's offsets are not stored and the consumer stops: the error
///   ends `run()`, and a restart re-reads the batch (at-least-once).
///
/// Who does what when is one `StateMachine` (KafkaConsumer+StateMachine.swift) behind one lock.
public final class KafkaConsumer: Service, Sendable {
    public typealias Handler = @Sendable ([ConsumedMessage]) async throws -> Void
    /// The work that must run in batch order, once the batch is prepared. It returns what must still
    /// complete before the batch's offsets are stored, which may run beside the next batch's work.
    public typealias Work = @Sendable () async throws -> Confirmation
    /// Returns once the work's effects are settled (a commit on disk); throws if they cannot be.
    public typealias Confirmation = @Sendable () async throws -> Void
    /// Prepares a batch (may overlap the previous batch's work) and returns its in-order work.
    public typealias StagedHandler = @Sendable ([ConsumedMessage]) async -> Work

    let handle: KafkaHandle
    let core: ConsumerCore
    private let handler: StagedHandler
    private let topics: [String]
    let logger: Logger
    public let configuration: KafkaConsumerConfiguration

    typealias Machine = ConsumerCore.Machine

    /// A consumer whose handler does all of a batch's work in order.
    public convenience init(
        configuration: KafkaConsumerConfiguration, topics: [String], logger: Logger, handler: @escaping Handler
    ) throws(KafkaError) {
        try self.init(
            configuration: configuration, topics: topics, logger: logger,
            stagedHandler: { batch in
                {
                    try await handler(batch)
                    return {}
                }
            })
    }

    public init(
        configuration: KafkaConsumerConfiguration, topics: [String], logger: Logger,
        stagedHandler handler: @escaping StagedHandler
    ) throws(KafkaError) {
        precondition(!topics.isEmpty, "a consumer needs at least one topic")
        let conf = try configuration.rendered().makeNative()
        let core = ConsumerCore(logger: logger)
        rd_kafka_conf_set_opaque(conf, Unmanaged.passUnretained(core).toOpaque())
        rd_kafka_conf_set_rebalance_cb(conf) { rk, error, partitions, opaque in
            guard let rk, let opaque else { return }
            Unmanaged<ConsumerCore>.fromOpaque(opaque).takeUnretainedValue().rebalance(rk, error, partitions)
        }
        rd_kafka_conf_set_error_cb(conf) { _, error, reason, opaque in
            guard let opaque else { return }
            let core = Unmanaged<ConsumerCore>.fromOpaque(opaque).takeUnretainedValue()
            core.logger.warning(
                "kafka consumer error",
                metadata: ["code": "\(error)", "reason": "\(reason.map { String(cString: $0) } ?? "")"])
        }
        self.handle = try KafkaHandle(type: RD_KAFKA_CONSUMER, conf: conf, context: core)
        self.core = core
        self.handler = handler
        self.topics = topics
        self.logger = logger
        self.configuration = configuration

        let redirected = rd_kafka_poll_set_consumer(handle.pointer)
        guard redirected == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw KafkaError(.consumer, "could not redirect the main queue to the consumer", redirected)
        }
    }

    /// Joins the group. Done in `run()`, not `init`: a member that joins must also poll, or the
    /// partitions it is given stall.
    private func subscribe() throws(KafkaError) {
        let list = rd_kafka_topic_partition_list_new(Int32(topics.count))!
        defer { rd_kafka_topic_partition_list_destroy(list) }
        for topic in topics { rd_kafka_topic_partition_list_add(list, topic, RD_KAFKA_PARTITION_UA) }
        let subscribed = rd_kafka_subscribe(handle.pointer, list)
        guard subscribed == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw KafkaError(.consumer, "could not subscribe to \(topics.joined(separator: ", "))", subscribed)
        }
    }

    /// True once the group gave this member an assignment (possibly empty when there are more
    /// members than partitions) and while it holds it.
    public var isAssigned: Bool { core.transition { $0.assignment != nil } }

    /// The partitions this member holds now.
    public var assignedPartitions: [TopicPartition] { core.transition { $0.assignment ?? [] } }

    /// Polls and handles batches until graceful shutdown (or the handler fails), then commits and leaves the group.
    public func run() async throws {
        try subscribe()
        core.transition { $0.start() }
        startPollThread()
        await withTaskCancellationOrGracefulShutdownHandler {
            await withTaskGroup(of: Void.self) { group in
                for lane in Lane.allCases { group.addTask { await self.run(lane) } }
            }
        } onCancelOrGracefulShutdown: {
            self.core.apply { $0.stop() }
        }
        // Also reached on cancellation: the poll thread must stop and never wait for a batch
        // nobody will finish.
        core.apply { $0.lanesEnded() }
        // Waits for the final commit even when cancelled: leaving without it means redeliveries.
        let core = self.core
        let closeTimeout = configuration.closeTimeout
        let timer = Task {
            try? await Task.sleep(for: closeTimeout)
            core.transition { $0.closeTimedOut() }?.resume(returning: nil)
        }
        _ = await withCheckedContinuation { waiter in
            core.transition { $0.awaitClose(waiter) }?.resume(returning: nil)
        }
        timer.cancel()
        if !core.transition({ $0.isFinished }) {
            logger.error(
                "consumer close did not finish in time; leaving anyway", metadata: ["timeout": "\(closeTimeout)"])
        }
        if let failure = core.transition({ $0.failure }) { throw failure }
    }

    /// Runs `lane`'s steps, one batch at a time, until the consumer closes (or the task is cancelled).
    private func run(_ lane: Lane) async {
        while let step = await nextStep(of: lane) {
            switch step {
            case .prepare(let batch, let messages):
                let work = await handler(messages)
                core.apply { $0.prepared(batch, work: work) }
            case .work(let batch, let work):
                do {
                    let confirmation = try await work()
                    core.apply { $0.worked(batch, confirmation: confirmation) }
                } catch {
                    logger.error(
                        "handler failed; the consumer stops without storing this batch", metadata: ["error": "\(error)"]
                    )
                    core.apply { $0.failed(batch, error: error) }
                }
            case .confirm(let batch, let messages, let confirmation):
                do {
                    try await confirmation()
                    storeOffsets(messages)
                    core.apply { $0.confirmed(batch) }
                } catch {
                    logger.error(
                        "the handler's commit was not confirmed; the consumer stops without storing this batch",
                        metadata: ["error": "\(error)"])
                    core.apply { $0.failed(batch, error: error) }
                }
            }
        }
    }

    /// The lane's next step; nil once the consumer closes or the task is cancelled.
    private func nextStep(of lane: Lane) async -> Step? {
        let core = self.core
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let action = core.transition { machine -> Machine.TakeAction in
                    Task.isCancelled ? .end : machine.take(lane, waiter: continuation)
                }
                switch action {
                case .run(let step, let wakePollThread):
                    if wakePollThread { core.perform(Machine.Effects(wakePollThread: true)) }
                    continuation.resume(returning: step)
                case .end: continuation.resume(returning: nil)
                case .parked: break
                }
            }
        } onCancel: {
            core.transition { $0.cancelTake(lane) }?.resume(returning: nil)
        }
    }

    /// Stores `offset + 1` of the last message of each partition, for the next commit.
    private func storeOffsets(_ messages: [ConsumedMessage]) {
        var next: [TopicPartition: Int64] = [:]
        // Messages of one partition come in runs: one dictionary update per run.
        var run: (partition: TopicPartition, next: Int64)?
        for message in messages {
            if let current = run, current.partition.partition == message.partition,
                current.partition.topic == message.topic
            {
                run = (current.partition, max(current.next, message.offset + 1))
                continue
            }
            if let current = run { next[current.partition] = max(next[current.partition] ?? 0, current.next) }
            run = (TopicPartition(topic: message.topic, partition: message.partition), message.offset + 1)
        }
        if let current = run { next[current.partition] = max(next[current.partition] ?? 0, current.next) }
        let list = rd_kafka_topic_partition_list_new(Int32(next.count))!
        defer { rd_kafka_topic_partition_list_destroy(list) }
        for (partition, offset) in next {
            rd_kafka_topic_partition_list_add(list, partition.topic, partition.partition).pointee.offset = offset
        }
        let stored = rd_kafka_offsets_store(handle.pointer, list)
        var failed: [String] = []
        for index in 0..<Int(list.pointee.cnt) where list.pointee.elems[index].err != RD_KAFKA_RESP_ERR_NO_ERROR {
            let element = list.pointee.elems[index]
            failed.append(
                "\(String(cString: element.topic))[\(element.partition)]: \(String(cString: rd_kafka_err2str(element.err)))"
            )
        }
        if stored != RD_KAFKA_RESP_ERR_NO_ERROR || !failed.isEmpty {
            logger.warning(
                "could not store offsets; these messages may be redelivered",
                metadata: ["error": "\(String(cString: rd_kafka_err2str(stored)))", "partitions": "\(failed)"])
        }
    }
}

/// A topic and partition.
public struct TopicPartition: Hashable, Sendable, CustomStringConvertible {
    public let topic: String
    public let partition: Int32
    public init(topic: String, partition: Int32) {
        self.topic = topic
        self.partition = partition
    }
    public var description: String { "\(topic)[\(partition)]" }
}

extension ConsumedMessage {
    /// `topicNames` caches the names of the topic handles seen, so a message costs no name lookup.
    init(copying raw: UnsafeMutablePointer<rd_kafka_message_t>, topicNames: inout [OpaquePointer: String]) {
        let m = raw.pointee
        let topic: String
        if let known = topicNames[m.rkt] {
            topic = known
        } else {
            topic = String(cString: rd_kafka_topic_name(m.rkt))
            topicNames[m.rkt] = topic
        }
        let key = m.key.map { Array(UnsafeRawBufferPointer(start: $0, count: m.key_len)) }
        let value = m.payload.map { Array(UnsafeRawBufferPointer(start: $0, count: m.len)) } ?? []
        var headers: [KafkaHeader] = []
        var native: OpaquePointer?
        if rd_kafka_message_headers(raw, &native) == RD_KAFKA_RESP_ERR_NO_ERROR, let native {
            var index = 0
            var name: UnsafePointer<CChar>?
            var bytes: UnsafeRawPointer?
            var size = 0
            while rd_kafka_header_get_all(native, index, &name, &bytes, &size) == RD_KAFKA_RESP_ERR_NO_ERROR {
                let value = bytes.map { Array(UnsafeRawBufferPointer(start: $0, count: size)) } ?? []
                headers.append(KafkaHeader(name.map { String(cString: $0) } ?? "", value))
                index += 1
            }
        }
        var timestampType = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE
        let timestamp = rd_kafka_message_timestamp(raw, &timestampType)
        self.init(
            topic: topic, partition: m.partition, offset: m.offset, key: key,
            value: value, headers: headers,
            timestampMilliseconds: timestampType == RD_KAFKA_TIMESTAMP_NOT_AVAILABLE ? nil : timestamp)
    }
}
