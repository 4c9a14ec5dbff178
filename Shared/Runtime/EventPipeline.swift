import Logging
import TriadEvents
import TriadKafka
import TriadStorage

/// The consume loop's work for one batch, effectively once: in one storage transaction it skips
/// events already applied (by source and id), applies the rest through the service's handler,
/// records their ids, and writes what they emit — and the dead letters of what could not be
/// processed — to the outbox. The consumer stores the batch's offsets only after this returns,
/// that is after the transaction committed; the outbox relay publishes afterwards.
public struct EventPipeline: Sendable {
    /// Applies one event to the service's state; returns the events to emit or refuses the event.
    /// A handler refuses before it changes anything.
    public typealias Handler = @Sendable (ReceivedEvent, DocumentTransaction) throws(EventRejection) -> [DomainEvent]

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

    public func process(_ batch: [ConsumedMessage]) async throws {
        let started = ContinuousClock.now
        let decoded = batch.map { message in
            (message, Result { () throws(EventRejection) in
                try codec.decode(value: message.value, headers: message.headers.map { ($0.name, $0.value) }, topic: message.topic)
            })
        }
        let outcome = try await withRetries {
            try await database.transaction { session in
                try self.apply(decoded, in: DocumentTransaction(session: session))
            }
        }
        relay.nudge()
        let elapsed = ContinuousClock.now - started
        metrics.observe("triad_handler_batch_seconds", seconds: Double(elapsed.components.attoseconds) / 1e18 + Double(elapsed.components.seconds))
        let now = Timestamp.now()
        for applied in outcome.applied {
            metrics.increment("triad_events_consumed_total", [("topic", applied.topic), ("type", applied.type)])
            if let time = applied.time {
                metrics.observe(
                    "triad_event_latency_seconds", [("topic", applied.topic)],
                    seconds: max(Double(now.millisecondsSinceEpoch - time.millisecondsSinceEpoch) / 1000, 0))
            }
        }
        if outcome.redeliveries > 0 {
            metrics.increment("triad_redeliveries_absorbed_total", [], by: Int64(outcome.redeliveries))
            logger.info("skipped events applied before", metadata: ["count": "\(outcome.redeliveries)"])
        }
        for (message, rejection) in outcome.rejected { deadLetters.record(message, rejection: rejection) }
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

    private func apply(_ decoded: [(ConsumedMessage, Result<ReceivedEvent, EventRejection>)], in transaction: DocumentTransaction) throws -> Outcome {
        var outcome = Outcome()
        for (message, result) in decoded {
            do throws(EventRejection) {
                let received = try result.get()
                let envelope = received.envelope
                if transaction.isApplied(source: envelope.source, id: envelope.id) {
                    outcome.redeliveries += 1
                    continue
                }
                let emitted = publisher.outgoing(try handler(received, transaction), cause: Cause(envelope))
                let rows = try emitted.map { event throws(EventRejection) in try publisher.outboxMessage(for: event) }
                transaction.markApplied(source: envelope.source, id: envelope.id)
                for row in rows { transaction.appendOutbox(row) }
                outcome.applied.append((message.topic, envelope.type.rawValue, envelope.time))
                outcome.emitted += emitted
            } catch {
                // Once per source position: a redelivered bad message is not dead-lettered again.
                let position = "\(message.topic):\(message.partition):\(message.offset)"
                if transaction.insertMarker(kind: "dead-lettered", id: position) {
                    transaction.appendOutbox(deadLetters.outboxMessage(for: message, rejection: error))
                    outcome.rejected.append((message, error))
                } else {
                    outcome.redeliveries += 1
                }
            }
        }
        try transaction.flush()
        return outcome
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
