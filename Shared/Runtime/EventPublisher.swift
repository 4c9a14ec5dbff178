import Crypto
import Foundation
import Logging
import ServiceContextModule
import TriadEvents
import TriadKafka
import TriadStorage
import TriadWire

/// What caused an event a service emits: an incoming event, an HTTP request, or the service itself.
public struct Cause: Sendable {
    public let eventId: String?
    /// The CloudEvents source of the causing event: ids are unique per source only.
    public let eventSource: String?
    public let correlationId: String
    /// The W3C `traceparent` the emitted events carry (`TracePropagation.outgoing`).
    public let traceparent: String

    /// `context` holds the span that handles the cause, while tracing; `incoming` is the trace
    /// context the cause came with, passed on when no span is recorded.
    public init(
        eventId: String?, eventSource: String? = nil, correlationId: String, context: ServiceContext?, incoming: String?
    ) {
        self.eventId = eventId
        self.eventSource = eventSource
        self.correlationId = correlationId
        self.traceparent = TracePropagation.outgoing(context: context, incoming: incoming)
    }

    /// An incoming event causes what the service emits in reaction to it.
    public init(_ envelope: EventEnvelope, context: ServiceContext? = nil, incoming: String?) {
        self.init(
            eventId: envelope.id, eventSource: envelope.source, correlationId: envelope.correlationId ?? envelope.id,
            context: context, incoming: incoming)
    }

    /// Work the service starts on its own (a coalesced report): a new correlation; the trace of
    /// `context`'s span, else a new one.
    public static func serviceInitiated(context: ServiceContext? = nil) -> Cause {
        Cause(eventId: nil, correlationId: UUID().uuidString.lowercased(), context: context, incoming: nil)
    }
}

/// Wraps domain events into CloudEvents, ready for the outbox.
public struct EventPublisher: Sendable {
    public let codec: EventCodec
    public let source: String

    public init(codec: EventCodec, source: String) {
        self.codec = codec
        self.source = source
    }

    /// The outgoing events for what `cause` produced. Ids derive from the cause (its source and id,
    /// `<cause source>#<cause id>:<n>`), so an event handled again emits the same ids and downstream
    /// deduplication (by this service's source and the id) sees the repeat.
    public func outgoing(_ events: [DomainEvent], cause: Cause, now: Timestamp = .now()) -> [OutgoingEvent] {
        events.enumerated().map { index, event in
            let id =
                cause.eventId.map { Self.derivedId(source: cause.eventSource ?? "", id: $0, index: index) }
                ?? UUID().uuidString.lowercased()
            return OutgoingEvent(
                id: id, source: source, time: now, event: event, correlationId: cause.correlationId,
                causationId: cause.eventId, traceparent: cause.traceparent)
        }
    }

    /// The id of the `index`th event caused by event `id` of `source`: `<source>#<id>:<index>` while
    /// that is an identifier every consumer takes (at most `ValidationRules.identifierMaxBytes`),
    /// else `sha256:<hex of source#id>:<index>` — as deterministic, so a replay still repeats it.
    /// (A cause's source and id may each be 200 bytes long.)
    static func derivedId(source: String, id: String, index: Int) -> String {
        let plain = "\(source)#\(id):\(index)"
        guard plain.utf8.count > ValidationRules.identifierMaxBytes else { return plain }
        let digest = SHA256.hash(data: Array("\(source)#\(id)".utf8)).map { String(format: "%02x", $0) }.joined()
        return "sha256:\(digest):\(index)"
    }

    /// The outbox row for an event: its structured-mode value, key and headers, the W3C
    /// `traceparent` among them (the relay replaces it with its publish span's while tracing).
    public func outboxMessage(for event: OutgoingEvent) throws(EventRejection) -> OutboxMessage {
        do {
            let (value, headers) = try codec.encode(event)
            let trace = event.traceparent.map { [KafkaHeader(TracePropagation.header, $0)] } ?? []
            return OutboxMessage(
                topic: event.topic.name, eventType: event.event.type.rawValue, key: Array(event.key.utf8), value: value,
                headers: headers + trace)
        } catch {
            throw EventRejection(.invalidData, "could not encode \(event.event.type.rawValue): \(error)")
        }
    }
}
