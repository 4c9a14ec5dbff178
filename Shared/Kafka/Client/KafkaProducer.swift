import CRdKafka
import Logging
import ServiceLifecycle
import Synchronization

/// An idempotent producer with awaitable delivery reports.
///
/// A dedicated thread serves librdkafka's events (delivery reports, errors). When librdkafka's
/// local queue is full, `send` waits for delivery reports to make room rather than failing.
/// As a `Service`, it flushes with a deadline on graceful shutdown, still serving delivery reports.
public final class KafkaProducer: Service, Sendable {
    private let handle: KafkaHandle
    private let context: ProducerContext
    private let logger: Logger
    /// How long shutdown waits for in-flight messages.
    public let flushTimeout: Duration

    public init(configuration: KafkaConfiguration, logger: Logger, flushTimeout: Duration = .seconds(10))
        throws(KafkaError)
    {
        var configuration = configuration
        configuration["enable.idempotence"] = configuration["enable.idempotence"] ?? "true"
        configuration["client.id"] = configuration["client.id"] ?? "triad-producer"
        let conf = try configuration.makeNative()
        let context = ProducerContext(logger: logger)
        rd_kafka_conf_set_opaque(conf, Unmanaged.passUnretained(context).toOpaque())
        rd_kafka_conf_set_dr_msg_cb(conf) { _, message, _ in
            guard let message, let opaque = message.pointee._private else { return }
            let delivery = Unmanaged<PendingDelivery>.fromOpaque(opaque).takeRetainedValue()
            let m = message.pointee
            if m.err == RD_KAFKA_RESP_ERR_NO_ERROR {
                let topic = String(cString: rd_kafka_topic_name(m.rkt))
                delivery.complete(.success(DeliveryReport(topic: topic, partition: m.partition, offset: m.offset)))
            } else {
                delivery.complete(.failure(KafkaError(.delivery, "delivery failed", m.err)))
            }
        }
        rd_kafka_conf_set_error_cb(conf) { _, error, reason, opaque in
            guard let opaque else { return }
            let context = Unmanaged<ProducerContext>.fromOpaque(opaque).takeUnretainedValue()
            let text = reason.map { String(cString: $0) } ?? ""
            context.logger.warning(
                "kafka producer error", metadata: ["code": "\(error)", "reason": "\(text)"])
        }
        self.handle = try KafkaHandle(type: RD_KAFKA_PRODUCER, conf: conf, context: context)
        self.context = context
        self.logger = logger
        self.flushTimeout = flushTimeout
        startPolling()
    }

    deinit {
        // Without `run()` or `shutdown()`, the poll thread would otherwise poll forever.
        context.stopPolling.fire()
    }

    /// Publishes one message and returns once the broker acknowledged it.
    @discardableResult
    public func send(_ message: OutgoingMessage) async throws(KafkaError) -> DeliveryReport {
        try await enqueue(message).report()
    }

    /// Queues messages in order (librdkafka keeps that order per partition), then waits for every report.
    /// Throws the first delivery error after all reports are in.
    @discardableResult
    public func send(all messages: [OutgoingMessage]) async throws(KafkaError) -> [DeliveryReport] {
        var pending: [PendingDelivery] = []
        pending.reserveCapacity(messages.count)
        for message in messages { pending.append(try await enqueue(message)) }
        var reports: [DeliveryReport] = []
        var firstError: KafkaError?
        for delivery in pending {
            do { reports.append(try await delivery.report()) } catch { firstError = firstError ?? error }
        }
        if let firstError { throw firstError }
        return reports
    }

    /// Hands a message to librdkafka, waiting for room when its queue is full.
    public func enqueue(_ message: OutgoingMessage) async throws(KafkaError) -> PendingDelivery {
        while true {
            let generation = context.room.generation
            let delivery = PendingDelivery()
            // Checking "closed" and queueing happen under one lock that closing also takes, so no
            // message is queued after the final flush began (its report would never be served).
            let error = try context.whileOpen { () -> KafkaError? in enqueue(message, delivery: delivery) }
            if let error {
                guard error.isQueueFull else { throw error }
                await context.room.wait(after: generation)
                continue
            }
            return delivery
        }
    }

    /// Queues a message; returns the error when librdkafka refused it.
    private func enqueue(_ message: OutgoingMessage, delivery: PendingDelivery) -> KafkaError? {
        let headers = rd_kafka_headers_new(message.headers.count)!
        for header in message.headers {
            let added = header.value.withUnsafeBytes { bytes in
                rd_kafka_header_add(headers, header.name, -1, bytes.baseAddress, bytes.count)
            }
            guard added == RD_KAFKA_RESP_ERR_NO_ERROR else {
                rd_kafka_headers_destroy(headers)
                return KafkaError(.delivery, "header \(header.name) refused", added)
            }
        }
        let box = Unmanaged.passRetained(delivery)
        let result = message.value.withUnsafeBytes { value in
            withOptionalBytes(message.key) { key in
                triad_produce(
                    handle.pointer, message.topic, key.baseAddress, key.count, value.baseAddress, value.count,
                    headers, box.toOpaque())
            }
        }
        guard result == RD_KAFKA_RESP_ERR_NO_ERROR else {
            box.release()
            rd_kafka_headers_destroy(headers)
            return KafkaError(.delivery, "could not queue a message for \(message.topic)", result)
        }
        return nil
    }

    private func startPolling() {
        let handle = self.handle
        let context = self.context
        BlockingThread.start(name: "triad-producer-poll") {
            while !context.stopPolling.hasFired {
                if rd_kafka_poll(handle.pointer, 100) > 0 { context.room.advance() }
            }
            let timeout = Int32(clamping: context.flushMilliseconds.load(ordering: .relaxed))
            let result = rd_kafka_flush(handle.pointer, timeout)
            let remaining = rd_kafka_outq_len(handle.pointer)
            if result != RD_KAFKA_RESP_ERR_NO_ERROR {
                // Fail what is left so every waiting sender gets an answer, then serve those reports.
                rd_kafka_purge(handle.pointer, Int32(RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT))
                rd_kafka_flush(handle.pointer, 1000)
            }
            context.flushResult.withLock { $0 = (result, remaining) }
            context.room.close()
            context.pollingStopped.fire()
        }
    }

    /// Waits for graceful shutdown, then flushes what is in flight within `flushTimeout`.
    public func run() async throws {
        try? await gracefulShutdown()
        await shutdown()
    }

    /// Stops taking messages and flushes in-flight ones within `flushTimeout`; delivery reports keep
    /// flowing. Messages still undelivered at the deadline fail with a purge error.
    public func shutdown() async {
        guard context.close() else {
            await context.pollingStopped.waitIgnoringCancellation()
            return
        }
        let milliseconds =
            flushTimeout.components.seconds * 1000 + flushTimeout.components.attoseconds / 1_000_000_000_000_000
        context.flushMilliseconds.store(Int(milliseconds), ordering: .relaxed)
        context.stopPolling.fire()
        await context.pollingStopped.waitIgnoringCancellation()
        let (result, remaining) = context.flushResult.withLock { $0 }
        if result == RD_KAFKA_RESP_ERR_NO_ERROR {
            logger.info("producer flushed")
        } else {
            logger.error("producer flush timed out", metadata: ["undelivered": "\(remaining)"])
        }
    }

}

/// A queued message whose delivery report has not necessarily arrived yet.
public final class PendingDelivery: Sendable {
    private let state = Mutex<
        (
            result: Result<DeliveryReport, KafkaError>?,
            waiters: [CheckedContinuation<Result<DeliveryReport, KafkaError>, Never>]
        )
    >((nil, []))

    init() {}

    func complete(_ result: Result<DeliveryReport, KafkaError>) {
        let waiters = state.withLock { state in
            state.result = result
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume(returning: result) }
    }

    /// Whether the delivery report (success or failure) has arrived.
    public var isSettled: Bool { state.withLock { $0.result != nil } }

    /// Waits for the broker's acknowledgement (or librdkafka's final error).
    public func report() async throws(KafkaError) -> DeliveryReport {
        let result = await withCheckedContinuation {
            (continuation: CheckedContinuation<Result<DeliveryReport, KafkaError>, Never>) in
            let ready = state.withLock { state -> Result<DeliveryReport, KafkaError>? in
                if let result = state.result { return result }
                state.waiters.append(continuation)
                return nil
            }
            if let ready { continuation.resume(returning: ready) }
        }
        return try result.get()
    }
}

/// State the C callbacks and the poll thread share with the producer.
final class ProducerContext: Sendable {
    let logger: Logger
    let room = RoomSignal()
    let stopPolling = CompletionSignal()
    let pollingStopped = CompletionSignal()
    let flushMilliseconds = Atomic<Int>(10_000)
    let flushResult = Mutex<(rd_kafka_resp_err_t, Int32)>((RD_KAFKA_RESP_ERR_NO_ERROR, 0))
    private let closed = Mutex(false)

    init(logger: Logger) { self.logger = logger }

    /// Runs `body` unless the producer is closed; closing waits for it.
    func whileOpen<T>(_ body: () -> T) throws(KafkaError) -> T {
        try closed.withLock { (closed: inout Bool) throws(KafkaError) -> T in
            if closed { throw KafkaError(.shutDown, "the producer is shut down") }
            return body()
        }
    }

    /// Marks the producer closed; true for the caller that closed it.
    func close() -> Bool {
        closed.withLock { closed in
            defer { closed = true }
            return !closed
        }
    }
}

/// Lets senders wait, without spinning, until delivery reports have freed room in librdkafka's queue.
final class RoomSignal: Sendable {
    private let state = Mutex<(generation: UInt64, closed: Bool, waiters: [CheckedContinuation<Void, Never>])>(
        (0, false, []))

    var generation: UInt64 { state.withLock { $0.generation } }

    func advance() {
        let waiters = state.withLock { state in
            state.generation &+= 1
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    /// No more room will come: every waiter returns now and later ones at once.
    func close() {
        state.withLock { $0.closed = true }
        advance()
    }

    /// Returns as soon as the generation moved past `generation` (at once if it already has).
    func wait(after generation: UInt64) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let resumeNow = state.withLock { state in
                if state.generation != generation || state.closed { return true }
                state.waiters.append(continuation)
                return false
            }
            if resumeNow { continuation.resume() }
        }
    }
}

func withOptionalBytes<R>(_ bytes: [UInt8]?, _ body: (UnsafeRawBufferPointer) -> R) -> R {
    if let bytes { return bytes.withUnsafeBytes(body) }
    return body(UnsafeRawBufferPointer(start: nil, count: 0))
}
