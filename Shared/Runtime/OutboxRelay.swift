import Logging
import ServiceLifecycle
import Synchronization
import Tracing
import TriadKafka
import TriadStorage

/// Publishes what the service's transactions wrote to the outbox, oldest first, with the
/// idempotent producer; a row is deleted only after the broker acknowledged it. After a crash the
/// relay publishes again whatever was not deleted: consumers drop the repeat by event id.
///
/// With PostgreSQL, where instances share the outbox, one instance relays at a time (a session
/// advisory lock), so order per key holds across instances too.
public final class OutboxRelay: Service, Sendable {
    let database: any Database
    let producer: KafkaProducer
    let logger: Logger
    let metrics: ServiceMetrics
    let lockId: Int64
    let batchSize: Int
    let drainTimeout: Duration
    private let wakeup = Wakeup()
    /// The connection generation this instance holds the relay lock on (PostgreSQL), if any.
    private let leadership = Mutex<Int?>(nil)
    private let failures = Mutex(0)

    public init(
        database: any Database, producer: KafkaProducer, service: String, logger: Logger, metrics: ServiceMetrics,
        batchSize: Int = 2_000, drainTimeout: Duration = .seconds(10)
    ) {
        self.database = database
        self.producer = producer
        self.logger = logger
        self.metrics = metrics
        self.lockId = advisoryLockId(service) + 500_000
        self.batchSize = batchSize
        self.drainTimeout = drainTimeout
    }

    /// Something was written to the outbox: look now rather than at the next poll.
    public func nudge() { wakeup.signal() }

    public func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            let published = await relayOnce()
            if published == 0 {
                await cancelWhenGracefulShutdown { await self.wakeup.wait(timeout: .milliseconds(200)) }
            }
        }
        // Shutting down: what is in the outbox goes out now, within the deadline.
        let deadline = ContinuousClock.now + drainTimeout
        while ContinuousClock.now < deadline, !Task.isCancelled {
            guard await relayOnce() > 0 else { break }
        }
        if let left = try? await database.read({ try Outbox.backlog(in: $0) }), left > 0 {
            logger.warning(
                "outbox not empty at shutdown; it is relayed at the next start", metadata: ["rows": "\(left)"])
        }
    }

    /// Publishes one batch; returns how many rows went out (0 when idle, not the leader, or failing).
    func relayOnce() async -> Int {
        do {
            guard try await isLeader() else { return 0 }
            let limit = batchSize
            let batch = try await database.read { try Outbox.next(limit, in: $0) }
            guard !batch.isEmpty else { return 0 }
            let spans = TracePropagation.isTracing ? batch.map(Self.publishSpan(for:)) : []
            do {
                try await producer.send(
                    all: batch.enumerated().map { index, row in
                        message(for: row, span: spans.isEmpty ? nil : spans[index])
                    })
            } catch {
                for span in spans { Self.end(span, failure: error) }
                // Something in the batch failed: go row by row, in order, to find it.
                return try await relayOneByOne(batch)
            }
            for span in spans { span.end() }
            try await remove(batch)
            failures.withLock { $0 = 0 }
            return batch.count
        } catch is DatabaseUnavailable {
            // The database's watch logs the outage; the rows stay in the outbox until it is back.
            try? await Task.sleep(for: .seconds(1))
            return 0
        } catch {
            logger.warning("outbox relay could not publish; retrying", metadata: ["error": "\(error)"])
            await failedRound()
            return 0
        }
    }

    /// Sends rows one at a time; a row the broker refuses for good is set aside (kept in
    /// `outbox_failed`, logged, counted) so it cannot block the rows behind it.
    private func relayOneByOne(_ batch: [OutboxMessage]) async throws -> Int {
        var sent = 0
        for row in batch {
            let span = TracePropagation.isTracing ? Self.publishSpan(for: row) : nil
            do {
                do {
                    try await producer.send(message(for: row, span: span))
                    span?.end()
                } catch {
                    if let span { Self.end(span, failure: error) }
                    throw error
                }
                try await remove([row])
                sent += 1
            } catch let error as KafkaError where error.isPermanentForMessage {
                logger.error(
                    "the broker refused an outbox row for good; set aside in outbox_failed",
                    metadata: [
                        "topic": "\(row.topic)", "type": "\(row.eventType)", "bytes": "\(row.value.count)",
                        "error": "\(error)",
                    ])
                metrics.increment("triad_outbox_failed_total", [("topic", row.topic)])
                let sequence = row.sequence
                let text = error.description
                try await database.transaction { try Outbox.setAside(sequence, error: text, in: $0) }
            }
        }
        return sent
    }

    /// The Kafka message for a row; with a publish span, its trace context replaces the one the row
    /// was written with, so the consumer's span is the publish span's child. A dead letter keeps the
    /// original message's headers as they came (`triad dlq replay` sends them back unchanged).
    private func message(for row: OutboxMessage, span: (any Span)?) -> OutgoingMessage {
        var headers = row.headers
        if let span, row.eventType != DeadLetters.eventType {
            let trace = TracePropagation.headers(of: span.context)
            headers.removeAll { trace[$0.name.lowercased()] != nil }
            headers += trace.sorted { $0.key < $1.key }.map { KafkaHeader($0.key, $0.value) }
        }
        return OutgoingMessage(topic: row.topic, key: row.key, value: row.value, headers: headers)
    }

    /// A producer span for one row, a child of the span that wrote it (its `traceparent` header).
    static func publishSpan(for row: OutboxMessage) -> any Span {
        let span = startSpan(
            "send \(row.topic)", context: TracePropagation.context(headers: row.headers, attribute: nil),
            ofKind: .producer)
        span.updateAttributes { $0.message(topic: row.topic, type: row.eventType) }
        return span
    }

    static func end(_ span: any Span, failure: any Error) {
        span.recordError(failure)
        span.setStatus(SpanStatus(code: .error))
        span.end()
    }

    private struct Pair: Hashable {
        let topic: String
        let type: String
    }

    private func remove(_ rows: [OutboxMessage]) async throws {
        let sequences = rows.map(\.sequence)
        try await database.transaction { try Outbox.remove(sequences, in: $0) }
        var produced: [Pair: Int64] = [:]
        for row in rows { produced[Pair(topic: row.topic, type: row.eventType), default: 0] += 1 }
        for (pair, count) in produced {
            metrics.increment("triad_events_produced_total", [("topic", pair.topic), ("type", pair.type)], by: count)
        }
    }

    /// Whether this instance is the one that relays, reports and prunes for the service (always on
    /// SQLite, where each instance has its own database).
    public func leads() async -> Bool {
        (try? await isLeader()) ?? false
    }

    /// On PostgreSQL one instance relays at a time: it holds a session lock, taken once and asked
    /// for again only when a connection was lost (the lock's connection may have been the one).
    private func isLeader() async throws -> Bool {
        guard database.dialect == .postgres else { return true }
        let generation = database.connectionGeneration
        if leadership.withLock({ $0 == generation }) { return true }
        let acquired = try await database.trySessionLock(lockId)
        // The generation is read again: a reconnect during the call means the lock was taken on a
        // session that may already be gone.
        if acquired, database.connectionGeneration == generation {
            let wasLeading = leadership.withLock { leadership in
                defer { leadership = generation }
                return leadership != nil
            }
            if !wasLeading { logger.info("relaying this service's outbox") }
            return true
        }
        leadership.withLock { $0 = nil }
        return false
    }

    /// After several failed rounds in a row a leader lets go, so another instance can try.
    private func failedRound() async {
        let count = failures.withLock { count in
            count += 1
            return count
        }
        try? await Task.sleep(for: .seconds(1))
        guard database.dialect == .postgres, count >= 5, leadership.withLock({ $0 != nil }) else { return }
        await database.releaseSessionLock(lockId)
        leadership.withLock { $0 = nil }
        failures.withLock { $0 = 0 }
        logger.warning("stopped relaying after repeated failures; another instance may take over")
    }
}

/// A wake-up call that can be awaited with a timeout; signals while nobody waits are remembered once.
final class Wakeup: Sendable {
    private let state = Mutex<(pending: Bool, waiter: CheckedContinuation<Void, Never>?)>((false, nil))

    func signal() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            if let waiter = state.waiter {
                state.waiter = nil
                return waiter
            }
            state.pending = true
            return nil
        }
        waiter?.resume()
    }

    /// Returns at the first signal (at once if one is pending) or after `timeout`, whichever comes
    /// first. A signal that comes after the return is remembered for the next wait; none is lost.
    func wait(timeout: Duration) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.signalled() }
            group.addTask { try? await Task.sleep(for: timeout) }
            await group.next()
            group.cancelAll()  // the other child ends now
        }
    }

    /// Returns at a signal, or when the task is cancelled (without taking a signal).
    private func signalled() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let now = state.withLock { state -> Bool in
                    if state.pending {
                        state.pending = false
                        return true
                    }
                    // Checked under the lock the handler takes: cancelled before or after, it is seen.
                    if Task.isCancelled { return true }
                    state.waiter = continuation
                    return false
                }
                if now { continuation.resume() }
            }
        } onCancel: {
            state.withLock { state -> CheckedContinuation<Void, Never>? in
                defer { state.waiter = nil }
                return state.waiter
            }?.resume()
        }
    }
}
