import Foundation
import Logging
import TriadEvents
import TriadKafka

/// What caused an event a service emits: an incoming event, or an HTTP request.
public struct Cause: Sendable {
    public let eventId: String?
    public let correlationId: String
    public let traceparent: String?

    public init(eventId: String?, correlationId: String, traceparent: String?) {
        self.eventId = eventId
        self.correlationId = correlationId
        self.traceparent = traceparent
    }

    /// An incoming event causes what the service emits in reaction to it.
    public init(_ envelope: EventEnvelope) {
        self.init(
            eventId: envelope.id, correlationId: envelope.correlationId ?? envelope.id,
            traceparent: envelope.traceparent)
    }

    /// Work the service starts on its own (coalesced reports).
    public static func internal_() -> Cause {
        Cause(eventId: nil, correlationId: UUID().uuidString.lowercased(), traceparent: nil)
    }
}

/// Wraps domain events into CloudEvents and publishes them with the idempotent producer.
public struct EventPublisher: Sendable {
    public let producer: KafkaProducer
    public let codec: EventCodec
    public let source: String
    public let metrics: ServiceMetrics

    public init(producer: KafkaProducer, codec: EventCodec, source: String, metrics: ServiceMetrics) {
        self.producer = producer
        self.codec = codec
        self.source = source
        self.metrics = metrics
    }

    /// The outgoing events for what `cause` produced. Ids derive from the cause, so a redelivered
    /// event that is handled again emits the same ids and downstream deduplication can see it.
    public func outgoing(_ events: [DomainEvent], cause: Cause, now: Timestamp = .now()) -> [OutgoingEvent] {
        events.enumerated().map { index, event in
            let id = cause.eventId.map { "\($0):\(source):\(index)" } ?? UUID().uuidString.lowercased()
            return OutgoingEvent(
                id: id, source: source, time: now, event: event, correlationId: cause.correlationId,
                causationId: cause.eventId, traceparent: cause.traceparent)
        }
    }

    public func message(for event: OutgoingEvent) throws -> OutgoingMessage {
        let (value, headers) = try codec.encode(event)
        return OutgoingMessage(
            topic: event.topic.name, key: Array(event.key.utf8), value: value,
            headers: headers.map { KafkaHeader($0.0, $0.1) })
    }

    /// Publishes in order and waits for every delivery report.
    public func publish(_ events: [OutgoingEvent]) async throws {
        guard !events.isEmpty else { return }
        let messages = try events.map(message(for:))
        try await producer.send(all: messages)
        for event in events {
            metrics.increment(
                "triad_events_produced_total", [("topic", event.topic.name), ("type", event.event.type.rawValue)])
        }
    }

    public func publish(_ events: [DomainEvent], cause: Cause) async throws {
        try await publish(outgoing(events, cause: cause))
    }
}
