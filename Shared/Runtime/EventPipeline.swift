import Foundation
import Logging
import TriadEvents
import TriadKafka
import TriadStorage

/// An event of a batch, with the partition it came from (state is owned by the partition key).
public struct IncomingEvent: Sendable {
    public let received: ReceivedEvent
    public let topic: String
    public let partition: Int32

    public init(received: ReceivedEvent, topic: String, partition: Int32) {
        self.received = received
        self.topic = topic
        self.partition = partition
    }

    public var event: DomainEvent { received.event }
}

/// The consume loop's work for one batch, effectively once: in one storage transaction it records
/// the batch's event ids (those recorded before are redeliveries and skipped), hands the new events
/// to the service's handler, which loads what they touch, applies them in order and writes back what
/// changed, and writes what they emit — and the dead letters of what could not be processed — to
/// the outbox. The consumer stores the batch's offsets only after this returns, that is after the
/// transaction committed; the outbox relay publishes afterwards.
public struct EventPipeline: Sendable {
    /// Applies a batch's new events, in order, in one transaction; returns for each event what it
    /// emits, or why it was refused. A refused event changes nothing.
    public typealias Handler =
        @Sendable ([IncomingEvent], any SQLSession) throws -> [Result<[DomainEvent], EventRejection>]

    public let codec: EventCodec
    public let publisher: EventPublisher
    public let deadLetters: DeadLetters
    public let database: any Database
    public let relay: OutboxRelay
    public let metrics: ServiceMetrics
    public let logger: Logger
    public let handler: Handler

    public init(
        codec: EventCodec, publisher: EventPublisher, deadLetters: DeadLetters, database: any Database,
        relay: OutboxRelay, metrics: ServiceMetrics, logger: Logger, handler: @escaping Handler
    ) {
        self.codec = codec
        self.publisher = publisher
        self.deadLetters = deadLetters
        self.database = database
        self.relay = relay
        self.metrics = metrics
        self.logger = logger
        self.handler = handler
    }

    /// What one batch did, for metrics and logs.
    struct Outcome: Sendable {
        var applied: [(topic: String, type: String, time: Timestamp?)] = []
        var redeliveries = 0
        var rejected: [(message: ConsumedMessage, rejection: EventRejection)] = []
        var emitted: [OutgoingEvent] = []
    }

    typealias Decoded = (message: ConsumedMessage, result: Result<ReceivedEvent, EventRejection>)

    /// Decodes a batch — this may run while the previous batch's transaction does — and returns
    /// the work that applies it, to run in batch order.
    public func prepare(_ batch: [ConsumedMessage]) async -> @Sendable () async throws -> Void {
        let started = ContinuousClock.now
        let decoded = await decode(batch)
        let decoding = ContinuousClock.now - started
        return { try await self.commit(decoded, decoding: decoding) }
    }

    private func commit(_ decoded: [Decoded], decoding: Duration) async throws {
        let started = ContinuousClock.now
        let outcome = try await withRetries {
            try await database.transaction { session in try self.apply(decoded, in: session) }
        }
        relay.nudge()
        metrics.observe("triad_handler_batch_seconds", seconds: Self.seconds(decoding + (ContinuousClock.now - started)))
        let now = Timestamp.now()
        var consumed: [String: [String: Int64]] = [:]
        var latencies: [String: [Double]] = [:]
        for applied in outcome.applied {
            consumed[applied.topic, default: [:]][applied.type, default: 0] += 1
            if let time = applied.time {
                latencies[applied.topic, default: []].append(
                    max(Double(now.millisecondsSinceEpoch - time.millisecondsSinceEpoch) / 1000, 0))
            }
        }
        for (topic, types) in consumed {
            for (type, count) in types {
                metrics.increment("triad_events_consumed_total", [("topic", topic), ("type", type)], by: count)
            }
        }
        for (topic, samples) in latencies { metrics.observe("triad_event_latency_seconds", [("topic", topic)], samples: samples) }
        if outcome.redeliveries > 0 {
            metrics.increment("triad_redeliveries_absorbed_total", [], by: Int64(outcome.redeliveries))
            logger.info("skipped events applied before", metadata: ["count": "\(outcome.redeliveries)"])
        }
        for (message, rejection) in outcome.rejected { deadLetters.record(message, rejection: rejection) }
        if logger.logLevel <= .debug {
            for event in outcome.emitted {
                logger.debug(
                    "event emitted",
                    metadata: [
                        "event-id": "\(event.id)", "causation-id": "\(event.causationId ?? "")",
                        "correlation-id": "\(event.correlationId ?? "")", "type": "\(event.event.type.rawValue)",
                        "trace-id": "\(event.traceparent.flatMap(TraceContext.init(traceparent:))?.traceId ?? "")",
                    ])
            }
        }
    }

    /// Decodes every message once; large batches are split over the available cores.
    private func decode(_ batch: [ConsumedMessage]) async -> [Decoded] {
        let codec = self.codec
        @Sendable func decodeOne(_ message: ConsumedMessage) -> Decoded {
            (message, Result { () throws(EventRejection) in
                try codec.decode(value: message.value, headers: message.headers.map { ($0.name, $0.value) }, topic: message.topic)
            })
        }
        let parts = min(ProcessInfo.processInfo.activeProcessorCount, batch.count / 256)
        guard parts > 1 else { return batch.map(decodeOne) }
        let size = (batch.count + parts - 1) / parts
        return await withTaskGroup(of: (Int, [Decoded]).self) { group in
            for part in 0..<parts {
                let slice = Array(batch[min(part * size, batch.count)..<min((part + 1) * size, batch.count)])
                group.addTask { (part, slice.map(decodeOne)) }
            }
            var results = [[Decoded]](repeating: [], count: parts)
            for await (part, decoded) in group { results[part] = decoded }
            return results.flatMap { $0 }
        }
    }

    private func apply(_ decoded: [Decoded], in session: any SQLSession) throws -> Outcome {
        var outcome = Outcome()
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        // The batch is referred to by position, so its messages are not copied around.
        var failures: [(index: Int, rejection: EventRejection)] = []
        var readable: [(index: Int, key: AppliedEvents.Key)] = []
        readable.reserveCapacity(decoded.count)
        for index in decoded.indices {
            switch decoded[index].result {
            case .success(let received):
                readable.append((index, AppliedEvents.Key(source: received.envelope.source, id: received.envelope.id)))
            case .failure(let rejection):
                failures.append((index, rejection))
            }
        }

        // One statement records the batch's ids; what was recorded before is a redelivery.
        let new = try AppliedEvents.record(readable.map(\.key), at: now, in: session)
        var toApply: [(index: Int, key: AppliedEvents.Key)] = []
        var incoming: [IncomingEvent] = []
        toApply.reserveCapacity(readable.count)
        incoming.reserveCapacity(readable.count)
        for (item, isNew) in zip(readable, new) {
            guard isNew, case .success(let received) = decoded[item.index].result else {
                outcome.redeliveries += 1
                continue
            }
            toApply.append(item)
            let message = decoded[item.index].message
            incoming.append(IncomingEvent(received: received, topic: message.topic, partition: message.partition))
        }

        let results = try handler(incoming, session)
        guard results.count == toApply.count else {
            throw StorageError("the handler answered \(results.count) results for \(toApply.count) events")
        }
        var rows: [OutboxMessage] = []
        var refused: [AppliedEvents.Key] = []
        for (position, result) in results.enumerated() {
            let item = toApply[position], received = incoming[position].received
            do throws(EventRejection) {
                let events = try result.get()
                if !events.isEmpty {
                    let emitted = publisher.outgoing(events, cause: Cause(received.envelope))
                    // All of an event's rows or none: a refused event leaves nothing in the outbox.
                    rows += try emitted.map { event throws(EventRejection) in try publisher.outboxMessage(for: event) }
                    outcome.emitted += emitted
                }
                outcome.applied.append((incoming[position].topic, received.envelope.type.rawValue, received.envelope.time))
            } catch {
                refused.append(item.key)
                failures.append((item.index, error))
            }
        }
        // A refused event is not recorded as applied, so it can be replayed once fixed.
        try AppliedEvents.forget(refused, in: session)

        // Once per source position: a redelivered bad message is not dead-lettered again.
        for (index, rejection) in failures.sorted(by: { decoded[$0.index].message.offset < decoded[$1.index].message.offset }) {
            let message = decoded[index].message
            if try DeadLetterMemo.firstTime(
                topic: message.topic, partition: message.partition, offset: message.offset, value: message.value, at: now,
                in: session)
            {
                rows.append(deadLetters.outboxMessage(for: message, rejection: rejection))
                outcome.rejected.append((message, rejection))
            } else {
                outcome.redeliveries += 1
            }
        }
        try Outbox.append(rows, in: session)
        return outcome
    }
}

extension EventPipeline {
    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}

/// Retries a storage transaction that failed (a PostgreSQL deadlock or serialization failure, a
/// dropped connection), then gives up with the last error.
func withRetries<T>(attempts: Int = 3, _ body: () async throws -> T) async throws -> T {
    var attempt = 1
    while true {
        do {
            return try await body()
        } catch {
            guard attempt < attempts else { throw error }
            attempt += 1
            try await Task.sleep(for: .milliseconds(100 * attempt))
        }
    }
}
