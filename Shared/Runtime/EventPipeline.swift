import Foundation
import Logging
import NIOPosix
import ServiceContextModule
import ServiceLifecycle
import Tracing
import TriadEvents
import TriadKafka
import TriadStorage
import TriadWire

/// The consume loop's work for one batch, effectively once: in one storage transaction it records
/// the batch's event ids (those recorded before are redeliveries and skipped), hands the new events
/// to the service's handler, which loads what they touch, applies them in order and writes back what
/// changed, and writes what they emit — and the dead letters of what could not be processed — to
/// the outbox. The consumer stores the batch's offsets only after the transaction committed and the
/// commit is durable (on SQLite that sync runs beside the next batch's transaction); the outbox relay
/// publishes afterwards.
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
    /// The event types the service's coalesced reports summarise (none when it writes none): while
    /// tracing, those events leave their trace for the reports (`ReportLinks`).
    public let reportLinkTypes: Set<EventType>

    public init(
        codec: EventCodec, publisher: EventPublisher, deadLetters: DeadLetters, database: any Database,
        relay: OutboxRelay, metrics: ServiceMetrics, logger: Logger, reportLinkTypes: Set<EventType> = [],
        handler: @escaping Handler
    ) {
        self.codec = codec
        self.publisher = publisher
        self.deadLetters = deadLetters
        self.database = database
        self.relay = relay
        self.metrics = metrics
        self.logger = logger
        self.reportLinkTypes = reportLinkTypes
        self.handler = handler
    }

    /// What one batch did, for metrics and logs.
    struct Outcome: Sendable {
        var applied: [(topic: String, type: String, time: Timestamp?)] = []
        var redeliveries = 0
        var rejected: [(index: Int, message: ConsumedMessage, rejection: EventRejection)] = []
        var emitted: [OutgoingEvent] = []
        /// While tracing: the batch positions of events refused or skipped as redeliveries.
        var refusedAt: [Int: EventRejection] = [:]
        var redeliveredAt: Set<Int> = []
    }

    /// Decodes a batch — this may run while the previous batch's transaction does — and returns
    /// the work that applies it, to run in batch order; the work returns once the transaction
    /// committed, with what confirms the commit durable.
    public func prepare(_ batch: [ConsumedMessage]) async -> KafkaConsumer.Work {
        let started = ContinuousClock.now
        let decoded = DecodedBatch(batch, results: await decode(batch))
        let decoding = ContinuousClock.now - started
        return { try await self.commit(decoded, decoding: decoding) }
    }

    private func commit(_ decoded: DecodedBatch, decoding: Duration) async throws -> Durability {
        let started = ContinuousClock.now
        let trace = BatchTrace(decoded)
        let outcome: Outcome
        let durable: Durability
        do {
            (outcome, durable) = try await withRetries(on: database) {
                try await withSpan("triad.transaction", context: trace.context) { span in
                    span.attributes["db.system"] = database.dialect == .postgres ? "postgresql" : "sqlite"
                    return try await database.transactionDurableLater { session in
                        try self.apply(decoded, trace: trace, in: session)
                    }
                }
            }
        } catch {
            trace.end(failure: error)
            throw error
        }
        trace.end(outcome)
        relay.nudge()
        metrics.observe(
            "triad_handler_batch_seconds", seconds: Self.seconds(decoding + (ContinuousClock.now - started)))
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
        for (topic, samples) in latencies {
            metrics.observe("triad_event_latency_seconds", [("topic", topic)], samples: samples)
        }
        if outcome.redeliveries > 0 {
            metrics.increment("triad_redeliveries_absorbed_total", [], by: Int64(outcome.redeliveries))
            logger.info("skipped events applied before", metadata: ["count": "\(outcome.redeliveries)"])
        }
        for (index, message, rejection) in outcome.rejected {
            // Within the message's span while tracing, so the log line carries its trace id.
            ServiceContext.withValue(trace.events[index]?.context ?? .current ?? .topLevel) {
                deadLetters.record(message, rejection: rejection)
            }
        }
        if logger.logLevel <= .debug {
            for event in outcome.emitted {
                logger.debug(
                    "event emitted",
                    metadata: [
                        "event-id": "\(event.id)", "causation-id": "\(event.causationId ?? "")",
                        "correlation-id": "\(event.correlationId ?? "")", "type": "\(event.event.type.rawValue)",
                        "trace-id": "\(TracePropagation.traceId(of: event.traceparent))",
                    ])
            }
        }
        return durable
    }

    /// Decodes every message once, on `decodingThreads`; large batches are split over the cores.
    private func decode(_ batch: [ConsumedMessage]) async -> [Result<ReceivedEvent, EventRejection>] {
        let codec = self.codec
        @Sendable func decodeAll(_ slice: ArraySlice<ConsumedMessage>) -> [Result<ReceivedEvent, EventRejection>] {
            slice.map { message in
                Result { () throws(EventRejection) in
                    try codec.decode(value: message.value, headers: message.headers, topic: message.topic)
                }
            }
        }
        let parts = max(1, min(Self.decodingThreads.count, batch.count / 256))
        let size = (batch.count + parts - 1) / parts
        return await withTaskGroup(of: (Int, [Result<ReceivedEvent, EventRejection>]).self) { group in
            for part in 0..<parts {
                let slice = batch[min(part * size, batch.count)..<min((part + 1) * size, batch.count)]
                group.addTask {
                    // Only a pool shut down refuses (this one never is); then the slice is decoded here.
                    (part, (try? await Self.decodingThreads.pool.runIfActive { decodeAll(slice) }) ?? decodeAll(slice))
                }
            }
            var results = [[Result<ReceivedEvent, EventRejection>]](repeating: [], count: parts)
            for await (part, decoded) in group { results[part] = decoded }
            return results.flatMap { $0 }
        }
    }

    /// Threads of their own for decoding, one per core, so that a large batch's decoding shares the
    /// cores with HTTP requests through the kernel's scheduler instead of holding Swift's
    /// cooperative threads (one per core) for its whole length while requests queue behind it.
    static let decodingThreads: (pool: NIOThreadPool, count: Int) = {
        let count = ProcessInfo.processInfo.activeProcessorCount
        let pool = NIOThreadPool(numberOfThreads: count)
        pool.start()
        return (pool, count)
    }()

    private func apply(_ batch: DecodedBatch, trace: BatchTrace, in session: any SQLSession) throws -> Outcome {
        var outcome = Outcome()
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        var failures = batch.undecodable

        // One statement records the batch's ids; what was recorded before is a redelivery.
        let new = try AppliedEvents.record(batch.keys, at: now, in: session)
        // Positions in `batch.events` of the events to apply.
        let toApply = new.indices.filter { new[$0] }
        outcome.redeliveries = new.count - toApply.count
        // Usually every event is new: then the batch's array is shared, not copied event by event.
        let incoming = toApply.count == new.count ? batch.events : toApply.map { batch.events[$0] }

        let results = try handler(incoming, session)
        guard results.count == toApply.count else {
            throw StorageError("the handler answered \(results.count) results for \(toApply.count) events")
        }
        var rows: [OutboxMessage] = []
        var refused: [AppliedEvents.Key] = []
        var links = ReportLinkCollector(enabled: !reportLinkTypes.isEmpty && trace.isRecording)
        for (applying, result) in results.enumerated() {
            let position = toApply[applying]
            let index = batch.readable[position]
            let received = incoming[applying].received
            do throws(EventRejection) {
                let events = try result.get()
                let span = trace.events[index]
                if !events.isEmpty {
                    let cause = Cause(
                        received.envelope, context: span?.context,
                        incoming: TracePropagation.incoming(
                            headers: batch.messages[index].headers, attribute: received.envelope.traceparent))
                    let emitted = publisher.outgoing(events, cause: cause)
                    // All of an event's rows or none: a refused event leaves nothing in the outbox.
                    rows += try emitted.map { event throws(EventRejection) in try publisher.outboxMessage(for: event) }
                    outcome.emitted += emitted
                }
                if let span, reportLinkTypes.contains(received.event.type) {
                    links.add(span, about: [received.event] + events)
                }
                outcome.applied.append(
                    (incoming[applying].topic, received.envelope.type.rawValue, received.envelope.time))
            } catch {
                refused.append(batch.keys[position])
                failures.append((index, error))
            }
        }
        try ReportLinks.record(links.collected, at: now, in: session)
        // A refused event is not recorded as applied, so it can be replayed once fixed.
        try AppliedEvents.forget(refused, in: session)

        // Once per source position: a redelivered bad message is not dead-lettered again.
        for (index, rejection) in failures.sorted(by: {
            batch.messages[$0.index].offset < batch.messages[$1.index].offset
        }) {
            let message = batch.messages[index]
            if try DeadLetterMemo.firstTime(
                topic: message.topic, partition: message.partition, offset: message.offset, value: message.value,
                at: now,
                in: session)
            {
                rows.append(deadLetters.outboxMessage(for: message, rejection: rejection))
                outcome.rejected.append((index, message, rejection))
            } else {
                outcome.redeliveries += 1
            }
        }
        if trace.isRecording {
            for (index, rejection) in failures { outcome.refusedAt[index] = rejection }
            for (position, isNew) in new.enumerated() where !isNew {
                outcome.redeliveredAt.insert(batch.readable[position])
            }
        }
        try Outbox.append(rows, in: session)
        return outcome
    }
}

/// A decoded batch, and what its transaction needs sorted out before it starts (this runs beside
/// the previous batch's transaction): the events that decoded, with their ids, and why the others did not.
struct DecodedBatch: Sendable {
    let messages: [ConsumedMessage]
    let results: [Result<ReceivedEvent, EventRejection>]
    /// The batch positions of the events that decoded, in order; `keys` and `events` go with them.
    let readable: [Int]
    let keys: [AppliedEvents.Key]
    let events: [IncomingEvent]
    let undecodable: [(index: Int, rejection: EventRejection)]

    init(_ messages: [ConsumedMessage], results: [Result<ReceivedEvent, EventRejection>]) {
        self.messages = messages
        self.results = results
        var readable: [Int] = []
        var keys: [AppliedEvents.Key] = []
        var events: [IncomingEvent] = []
        var undecodable: [(index: Int, rejection: EventRejection)] = []
        readable.reserveCapacity(messages.count)
        keys.reserveCapacity(messages.count)
        events.reserveCapacity(messages.count)
        for (index, result) in results.enumerated() {
            switch result {
            case .success(let received):
                readable.append(index)
                keys.append(AppliedEvents.Key(source: received.envelope.source, id: received.envelope.id))
                events.append(
                    IncomingEvent(
                        received: received, topic: messages[index].topic, partition: messages[index].partition))
            case .failure(let rejection):
                undecodable.append((index, rejection))
            }
        }
        self.readable = readable
        self.keys = keys
        self.events = events
        self.undecodable = undecodable
    }
}

/// The spans of one batch, while tracing: one for the batch, and one per message, a child of the
/// trace context the message came with (so one trace follows an event across the services) and
/// linked to the batch's. Events are applied a batch at a time, so an event's span lasts its batch.
struct BatchTrace: Sendable {
    let batch: (any Span)?
    /// By position in the batch.
    let events: [Int: any Span]

    var isRecording: Bool { batch != nil }
    var context: ServiceContext { batch?.context ?? .current ?? .topLevel }

    init(_ decoded: DecodedBatch) {
        guard TracePropagation.isTracing, !decoded.messages.isEmpty else {
            batch = nil
            events = [:]
            return
        }
        let batch = startSpan("triad.batch", context: .topLevel, ofKind: .consumer)
        batch.attributes["messaging.system"] = "kafka"
        batch.attributes["messaging.batch.message_count"] = Int64(decoded.messages.count)
        var events: [Int: any Span] = [:]
        for (index, (message, result)) in zip(decoded.messages, decoded.results).enumerated() {
            let envelope = try? result.get().envelope
            let span = startSpan(
                "process \(envelope?.type.rawValue ?? message.topic)",
                context: TracePropagation.context(headers: message.headers, attribute: envelope?.traceparent),
                ofKind: .consumer)
            span.updateAttributes {
                $0.message(
                    topic: message.topic, partition: message.partition, offset: message.offset, eventId: envelope?.id,
                    type: envelope?.type.rawValue)
            }
            span.addLink(SpanLink(context: batch.context, attributes: [:]))
            events[index] = span
        }
        self.batch = batch
        self.events = events
    }

    func end(_ outcome: EventPipeline.Outcome) {
        for (index, span) in events {
            if let rejection = outcome.refusedAt[index] {
                span.attributes["triad.rejection.code"] = rejection.code.rawValue
                span.recordError(rejection)
                span.setStatus(SpanStatus(code: .error, message: rejection.reason))
            } else if outcome.redeliveredAt.contains(index) {
                span.attributes["triad.redelivery"] = true
            }
            span.end()
        }
        batch?.end()
    }

    func end(failure error: any Error) {
        for span in events.values + (batch.map { [$0] } ?? []) {
            span.recordError(error)
            span.setStatus(SpanStatus(code: .error))
            span.end()
        }
    }
}

/// The campaigns an applied event counts towards, with the `traceparent` of its span: what the
/// reports about those campaigns link to. A few per campaign and batch are enough to follow.
struct ReportLinkCollector {
    static let perCampaignAndBatch = 8
    let enabled: Bool
    private var byCampaign: [UTF8Key: [String]] = [:]

    init(enabled: Bool) { self.enabled = enabled }

    mutating func add(_ span: any Span, about events: [DomainEvent]) {
        guard enabled, let traceparent = TracePropagation.headers(of: span.context)[TracePropagation.header],
            TracePropagation.isSampled(traceparent)
        else { return }
        for campaign in Set(events.compactMap { $0.campaignId?.utf8Key }) {
            var list = byCampaign[campaign, default: []]
            if list.count == Self.perCampaignAndBatch { list.removeFirst() }
            list.append(traceparent)
            byCampaign[campaign] = list
        }
    }

    var collected: [(aggregate: String, traceparent: String)] {
        byCampaign.sorted { $0.key < $1.key }.flatMap { campaign, list in list.map { (campaign.string, $0) } }
    }
}

extension EventPipeline {
    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}

/// Retries a batch's transaction that failed. While the database is unavailable it is tried again
/// with backoff until the database is back — nothing of it stayed, and its offsets are not stored —
/// unless the database's recovery timeout passed (`WatchedDatabase.health`; an unwatched database
/// gets `attempts` tries) or the service is shutting down. Any other failure (a PostgreSQL deadlock
/// or serialization failure) is tried `attempts` times in all. Then it gives up with the last error.
func withRetries<T>(on database: any Database, attempts: Int = 3, _ body: () async throws -> T) async throws -> T {
    try await withDatabaseRetries(
        attempts: attempts,
        giveUp: { failures in
            if Task.isShuttingDownGracefully || Task.isCancelled { return true }
            guard let watched = database as? WatchedDatabase else { return failures >= attempts }
            if case .failed = watched.health() { return true }
            return false
        }, body)
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
