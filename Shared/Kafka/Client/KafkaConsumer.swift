import CRdKafka
import Dispatch
import Logging
import ServiceLifecycle
import Synchronization

/// A consumer-group member that hands batches of messages to a handler, in order.
///
/// - A dedicated thread polls librdkafka; the handler runs on Swift's concurrency pool. A handler
///   comes in three steps: preparing a batch (decoding, say), the work that must run in order, and
///   the confirmation the work returns (its commit reaching the disk). While one batch is confirmed
///   and the next one's work runs, the thread collects a third batch and its preparation runs, so
///   at most three batches are in flight; the thread waits for the oldest before it polls again.
/// - A rebalance callback (it runs inside a poll) first waits until every batch handed out is
///   finished, so a revoke always sees in-flight work done and its offsets stored.
/// - Offsets are stored only after the handler's work returned and what it returned confirmed (its
///   commit durable, say); the confirmation may overlap the next batch's work, and offsets are stored
///   in batch order. librdkafka's auto-commit commits stored offsets. On partition revoke and on
///   shutdown, stored offsets are committed synchronously first.
/// - Eager assignment (`range,roundrobin`), so a revoke always means "give everything back".
/// - If the handler throws, the batch's offsets are not stored and the consumer stops: the error
///   ends `run()`, and a restart re-reads the batch (at-least-once).
public final class KafkaConsumer: Service, Sendable {
    public typealias Handler = @Sendable ([ConsumedMessage]) async throws -> Void
    /// The work that must run in batch order, once the batch is prepared. It returns what must still
    /// complete before the batch's offsets are stored, which may run beside the next batch's work.
    public typealias Work = @Sendable () async throws -> Confirmation
    /// Returns once the work's effects are settled (a commit on disk); throws if they cannot be.
    public typealias Confirmation = @Sendable () async throws -> Void
    /// Prepares a batch (may overlap the previous batch's work) and returns its in-order work.
    public typealias StagedHandler = @Sendable ([ConsumedMessage]) async -> Work

    private let handle: KafkaHandle
    private let context: ConsumerContext
    private let handler: StagedHandler
    private let topics: [String]
    private let logger: Logger
    public let maxBatchSize: Int
    /// A batch closes once its messages (keys, values and headers) reach this many bytes, so large
    /// messages make smaller batches.
    public let maxBatchBytes: Int
    /// How long shutdown waits for the final commit and group leave.
    public let closeTimeout: Duration

    /// A consumer whose handler does all of a batch's work in order.
    public convenience init(
        configuration: KafkaConfiguration, topics: [String], logger: Logger, maxBatchSize: Int = 500,
        maxBatchBytes: Int = 16 << 20, closeTimeout: Duration = .seconds(10), handler: @escaping Handler
    ) throws(KafkaError) {
        try self.init(
            configuration: configuration, topics: topics, logger: logger, maxBatchSize: maxBatchSize,
            maxBatchBytes: maxBatchBytes, closeTimeout: closeTimeout, stagedHandler: { batch in
                {
                    try await handler(batch)
                    return {}
                }
            })
    }

    public init(
        configuration: KafkaConfiguration, topics: [String], logger: Logger, maxBatchSize: Int = 500,
        maxBatchBytes: Int = 16 << 20, closeTimeout: Duration = .seconds(10), stagedHandler handler: @escaping StagedHandler
    ) throws(KafkaError) {
        precondition(!topics.isEmpty, "a consumer needs at least one topic")
        var configuration = configuration
        guard configuration["group.id"] != nil else {
            throw KafkaError(.configuration, "group.id is required for a consumer")
        }
        configuration["enable.auto.offset.store"] = "false"
        configuration["enable.auto.commit"] = configuration["enable.auto.commit"] ?? "true"
        configuration["auto.offset.reset"] = configuration["auto.offset.reset"] ?? "earliest"
        configuration["partition.assignment.strategy"] = "range,roundrobin"
        configuration["enable.partition.eof"] = "false"
        let conf = try configuration.makeNative()
        let context = ConsumerContext(logger: logger)
        rd_kafka_conf_set_opaque(conf, Unmanaged.passUnretained(context).toOpaque())
        rd_kafka_conf_set_rebalance_cb(conf) { rk, error, partitions, opaque in
            guard let rk, let opaque else { return }
            Unmanaged<ConsumerContext>.fromOpaque(opaque).takeUnretainedValue()
                .rebalance(rk, error, partitions)
        }
        rd_kafka_conf_set_error_cb(conf) { _, error, reason, opaque in
            guard let opaque else { return }
            let context = Unmanaged<ConsumerContext>.fromOpaque(opaque).takeUnretainedValue()
            context.logger.warning(
                "kafka consumer error",
                metadata: ["code": "\(error)", "reason": "\(reason.map { String(cString: $0) } ?? "")"])
        }
        self.handle = try KafkaHandle(type: RD_KAFKA_CONSUMER, conf: conf, context: context)
        self.context = context
        self.handler = handler
        self.topics = topics
        self.logger = logger
        self.maxBatchSize = maxBatchSize
        self.maxBatchBytes = maxBatchBytes
        self.closeTimeout = closeTimeout

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
    public var isAssigned: Bool { context.assignment.withLock { $0 != nil } }

    /// The partitions this member holds now.
    public var assignedPartitions: [TopicPartition] { context.assignment.withLock { $0 ?? [] } }

    /// Messages not yet handled per assigned partition: the high watermark librdkafka last saw
    /// minus this member's position. A partition this member has taken nothing from since it was
    /// assigned has no position yet: its consumption starts at the group's committed offset (the
    /// low watermark when there is none), which is asked of the broker once per assignment. A
    /// partition whose watermark or start is not known yet is left out.
    public func lag() -> [TopicPartition: Int64] {
        var list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?
        let generation = context.rebalances.load(ordering: .acquiring)
        guard rd_kafka_assignment(handle.pointer, &list) == RD_KAFKA_RESP_ERR_NO_ERROR, let list else { return [:] }
        defer { rd_kafka_topic_partition_list_destroy(list) }
        guard rd_kafka_position(handle.pointer, list) == RD_KAFKA_RESP_ERR_NO_ERROR else { return [:] }
        let starts = startOffsets(ofUnpositioned: list, generation: generation)
        var lag: [TopicPartition: Int64] = [:]
        for index in 0..<Int(list.pointee.cnt) {
            let element = list.pointee.elems[index]
            let partition = TopicPartition(topic: String(cString: element.topic), partition: element.partition)
            var low: Int64 = 0, high: Int64 = 0
            guard rd_kafka_get_watermark_offsets(handle.pointer, element.topic, element.partition, &low, &high)
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
        ofUnpositioned list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>, generation: UInt64
    ) -> [TopicPartition: Int64] {
        var known = committedAtAssignment.withLock { $0.generation == generation ? $0.offsets : [:] }
        let unpositioned = (0..<Int(list.pointee.cnt)).map { list.pointee.elems[$0] }.filter { $0.offset < 0 }
        let missing = unpositioned.filter { known[TopicPartition(topic: String(cString: $0.topic), partition: $0.partition)] == nil }
        guard !missing.isEmpty else { return known }
        let query = rd_kafka_topic_partition_list_new(Int32(missing.count))!
        defer { rd_kafka_topic_partition_list_destroy(query) }
        for element in missing { rd_kafka_topic_partition_list_add(query, element.topic, element.partition) }
        guard rd_kafka_committed(handle.pointer, query, 2000) == RD_KAFKA_RESP_ERR_NO_ERROR else { return known }
        for index in 0..<Int(query.pointee.cnt) where query.pointee.elems[index].err == RD_KAFKA_RESP_ERR_NO_ERROR {
            let element = query.pointee.elems[index]
            known[TopicPartition(topic: String(cString: element.topic), partition: element.partition)] = element.offset
        }
        committedAtAssignment.withLock { $0 = (generation, known) }
        return known
    }

    /// Committed offsets asked of the broker for `lag()`, and the assignment they are of.
    private let committedAtAssignment = Mutex<(generation: UInt64, offsets: [TopicPartition: Int64])>((0, [:]))

    /// Polls and handles batches until graceful shutdown (or the handler fails), then commits and leaves the group.
    public func run() async throws {
        try subscribe()
        let batches = AsyncStream<Batch>.makeStream(bufferingPolicy: .unbounded)
        let prepared = AsyncStream<(batch: Batch, work: Work)>.makeStream(bufferingPolicy: .unbounded)
        // Worked batches in order, with what confirms them (none: failed or skipped after a failure).
        let worked = AsyncStream<(batch: Batch, work: Work, confirmation: Confirmation?)>.makeStream(bufferingPolicy: .unbounded)
        startPolling(into: batches.continuation)
        let handler = self.handler
        let context = self.context
        await withTaskCancellationOrGracefulShutdownHandler {
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    for await batch in batches.stream { prepared.continuation.yield((batch, await handler(batch.messages))) }
                    prepared.continuation.finish()
                }
                // Confirms each batch, then stores its offsets, while the next batch's work runs.
                // Batches finish in order: once one fails, the rest finish without their offsets.
                group.addTask {
                    var failed = false
                    for await (batch, work, confirmation) in worked.stream {
                        guard !failed, let confirmation else {
                            failed = true
                            batch.finish(succeeded: false)
                            continue
                        }
                        do {
                            try await confirmation()
                            self.storeOffsets(batch.messages)
                            batch.finish(succeeded: true)
                            // A batch is thousands of small allocations: they are freed beside the
                            // next batch's work instead of before it.
                            Task.detached(priority: .low) { withExtendedLifetime((batch, work)) {} }
                        } catch {
                            failed = true
                            context.fail(error, "the handler's commit was not confirmed; the consumer stops without storing this batch")
                            batch.finish(succeeded: false)
                        }
                    }
                }
                for await (batch, work) in prepared.stream {
                    guard !context.handlerFailed else {
                        worked.continuation.yield((batch, work, nil))
                        continue
                    }
                    do {
                        worked.continuation.yield((batch, work, try await work()))
                    } catch {
                        context.fail(error, "handler failed; the consumer stops without storing this batch")
                        worked.continuation.yield((batch, work, nil))
                    }
                }
                worked.continuation.finish()
            }
        } onCancelOrGracefulShutdown: {
            self.context.stop.fire()
        }
        // Also reached on cancellation: the poll thread must stop and never wait for a batch
        // nobody will finish.
        context.stop.fire()
        context.runEnded.fire()
        let closeTimeout = self.closeTimeout
        let closed = context.closed
        // Waits for the final commit even when cancelled: leaving without it means redeliveries.
        let finished = await Task { await closed.wait(timeout: closeTimeout) }.value
        if !finished {
            logger.error("consumer close did not finish in time; leaving anyway", metadata: ["timeout": "\(closeTimeout)"])
        }
        if let failure = context.handlerFailure.withLock({ $0 }) { throw failure }
        if let fatal = context.fatalError.withLock({ $0 }) { throw fatal }
    }

    private func startPolling(into output: AsyncStream<Batch>.Continuation) {
        let handle = self.handle
        let context = self.context
        let maxBatchSize = self.maxBatchSize
        let maxBatchBytes = self.maxBatchBytes
        BlockingThread.start(name: "triad-consumer-poll") {
            var topicNames: [OpaquePointer: String] = [:]
            polling: while !context.stop.hasFired {
                var messages: [ConsumedMessage] = []
                var bytes = 0
                var timeout: Int32 = 100
                var generation = context.rebalances.load(ordering: .acquiring)
                while messages.count < maxBatchSize, bytes < maxBatchBytes, let raw = rd_kafka_consumer_poll(handle.pointer, timeout) {
                    timeout = 0
                    defer { rd_kafka_message_destroy(raw) }
                    // A rebalance ran inside this poll: what was collected before it may belong to
                    // partitions this member no longer owns. It was never stored, so it is fetched
                    // again from the committed offset by whoever owns those partitions now.
                    let now = context.rebalances.load(ordering: .acquiring)
                    if now != generation {
                        messages.removeAll()
                        bytes = 0
                        generation = now
                    }
                    let error = raw.pointee.err
                    if error == RD_KAFKA_RESP_ERR__FATAL {
                        let fatal = KafkaError(.consumer, "fatal consumer error", error)
                        context.logger.critical("consumer stops on a fatal error", metadata: ["error": "\(fatal)"])
                        context.fatalError.withLock { $0 = fatal }
                        break polling
                    }
                    if error != RD_KAFKA_RESP_ERR_NO_ERROR {
                        context.logger.warning(
                            "consumer poll reported an error",
                            metadata: ["error": "\(String(cString: rd_kafka_err2str(error)))"])
                        continue
                    }
                    let message = ConsumedMessage(copying: raw, topicNames: &topicNames)
                    bytes += message.sizeInBytes
                    messages.append(message)
                }
                if context.rebalances.load(ordering: .acquiring) != generation { messages.removeAll() }
                guard !messages.isEmpty else { continue }
                let batch = Batch(messages: messages)
                let older = context.handedOut(batch)
                if case .terminated = output.yield(batch) { break }
                // The next batch is collected while this one and the one before it are handled,
                // not before the one before those is finished.
                if let older, !older.waitUntilFinished(unlessEnded: context.runEnded) { break }
            }
            output.finish()
            // The final commit includes what is still in flight.
            _ = context.waitForHandedOut()
            let committed = rd_kafka_commit(handle.pointer, nil, 0)
            if committed != RD_KAFKA_RESP_ERR_NO_ERROR && committed != RD_KAFKA_RESP_ERR__NO_OFFSET {
                context.logger.warning(
                    "final commit failed", metadata: ["error": "\(String(cString: rd_kafka_err2str(committed)))"])
            }
            let closed = rd_kafka_consumer_close(handle.pointer)
            if closed != RD_KAFKA_RESP_ERR_NO_ERROR {
                context.logger.warning(
                    "consumer close reported an error", metadata: ["error": "\(String(cString: rd_kafka_err2str(closed)))"])
            }
            context.closed.fire()
        }
    }

    /// Stores `offset + 1` of the last message of each partition, for the next commit.
    private func storeOffsets(_ messages: [ConsumedMessage]) {
        var next: [TopicPartition: Int64] = [:]
        // Messages of one partition come in runs: one dictionary update per run.
        var run: (partition: TopicPartition, next: Int64)?
        for message in messages {
            if let current = run, current.partition.partition == message.partition, current.partition.topic == message.topic {
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
            failed.append("\(String(cString: element.topic))[\(element.partition)]: \(String(cString: rd_kafka_err2str(element.err)))")
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

/// One batch handed from the poll thread to the handler; the thread blocks until it is finished.
final class Batch: Sendable {
    let messages: [ConsumedMessage]
    private let done = DispatchSemaphore(value: 0)
    private let succeeded = Atomic<Bool>(false)

    init(messages: [ConsumedMessage]) { self.messages = messages }

    func finish(succeeded: Bool) {
        self.succeeded.store(succeeded, ordering: .releasing)
        done.signal()
    }

    /// Blocks the poll thread until the handler finished the batch; false when it failed or when
    /// the consumer's run loop ended without taking it.
    func waitUntilFinished(unlessEnded runEnded: CompletionSignal) -> Bool {
        while done.wait(timeout: .now() + .milliseconds(100)) == .timedOut {
            if runEnded.hasFired { return false }
        }
        done.signal()  // stays finished for whoever waits next (the poll thread, a rebalance)
        return succeeded.load(ordering: .acquiring)
    }
}

/// State the rebalance and error callbacks share with the consumer.
final class ConsumerContext: Sendable {
    let logger: Logger
    let stop = CompletionSignal()
    let closed = CompletionSignal()
    let runEnded = CompletionSignal()
    /// Counts rebalances, so the poll thread can tell one happened while it collected a batch.
    let rebalances = Atomic<UInt64>(0)
    let fatalError = Mutex<KafkaError?>(nil)
    /// The first error of the handler's work or of its confirmation; the consumer stops on it.
    let handlerFailure = Mutex<(any Error)?>(nil)
    /// nil until the first assignment and after a revoke.
    let assignment = Mutex<[TopicPartition]?>(nil)
    /// The batches handed to the handler most recently, newest last; batches finish in order.
    private let recent = Mutex<[Batch]>([])

    init(logger: Logger) { self.logger = logger }

    var handlerFailed: Bool { handlerFailure.withLock { $0 != nil } }

    /// Records the handler's first failure and stops the consumer.
    func fail(_ error: any Error, _ message: Logger.Message) {
        logger.error(message, metadata: ["error": "\(error)"])
        handlerFailure.withLock { if $0 == nil { $0 = error } }
        stop.fire()
    }

    /// Records `batch` as the newest handed out; returns the one two before it, which must finish
    /// before the next batch is collected: at most three are in flight (one being confirmed, one
    /// being worked, one being prepared).
    func handedOut(_ batch: Batch) -> Batch? {
        recent.withLock { recent in
            recent.append(batch)
            if recent.count > 3 { recent.removeFirst() }
            return recent.count == 3 ? recent[0] : nil
        }
    }

    /// Blocks until every batch handed out is finished (or the run loop ended); false when one failed.
    func waitForHandedOut() -> Bool {
        guard let batch = recent.withLock({ $0.last }) else { return true }
        return batch.waitUntilFinished(unlessEnded: runEnded)
    }

    func rebalance(_ rk: OpaquePointer, _ error: rd_kafka_resp_err_t, _ partitions: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?) {
        let list = partitions.map { Self.partitions(of: $0) } ?? []
        rebalances.add(1, ordering: .releasing)
        switch error {
        case RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS:
            let result = rd_kafka_assign(rk, partitions)
            if result != RD_KAFKA_RESP_ERR_NO_ERROR {
                logger.error("assign failed", metadata: ["error": "\(String(cString: rd_kafka_err2str(result)))"])
                return
            }
            assignment.withLock { $0 = list }
            logger.info("partitions assigned", metadata: ["partitions": "\(list.map(\.description).joined(separator: ","))"])
        case RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS:
            // Once the batches in flight are finished, the stored offsets are complete: commit
            // them before the partitions go to another member. A lost assignment (session timed
            // out) cannot commit any more.
            _ = waitForHandedOut()
            let committed = rd_kafka_assignment_lost(rk) != 0 ? RD_KAFKA_RESP_ERR__NO_OFFSET : rd_kafka_commit(rk, nil, 0)
            if committed != RD_KAFKA_RESP_ERR_NO_ERROR && committed != RD_KAFKA_RESP_ERR__NO_OFFSET {
                logger.warning("commit on revoke failed", metadata: ["error": "\(String(cString: rd_kafka_err2str(committed)))"])
            }
            rd_kafka_assign(rk, nil)
            assignment.withLock { $0 = nil }
            logger.info("partitions revoked", metadata: ["partitions": "\(list.map(\.description).joined(separator: ","))"])
        default:
            logger.error("rebalance failed", metadata: ["error": "\(String(cString: rd_kafka_err2str(error)))"])
            rd_kafka_assign(rk, nil)
            assignment.withLock { $0 = nil }
        }
    }

    static func partitions(of list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>) -> [TopicPartition] {
        (0..<Int(list.pointee.cnt)).map { index in
            let element = list.pointee.elems[index]
            return TopicPartition(topic: String(cString: element.topic), partition: element.partition)
        }
    }
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
