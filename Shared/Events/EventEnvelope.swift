/// The CloudEvents 1.0 context attributes of an event, with Triad's extensions.
public struct EventEnvelope: Sendable, Equatable {
    public var id: String
    public var source: String
    public var type: EventType
    /// The payload's schema version (CloudEvents extension `schemaversion`).
    public var schemaVersion: Int
    public var time: Timestamp?
    public var subject: String?
    public var correlationId: String?
    public var causationId: String?
    public var traceparent: String?

    public init(
        id: String, source: String, type: EventType, schemaVersion: Int, time: Timestamp?, subject: String?,
        correlationId: String? = nil, causationId: String? = nil, traceparent: String? = nil
    ) {
        self.id = id
        self.source = source
        self.type = type
        self.schemaVersion = schemaVersion
        self.time = time
        self.subject = subject
        self.correlationId = correlationId
        self.causationId = causationId
        self.traceparent = traceparent
    }
}

/// An event read from a topic: its attributes and its validated payload.
public struct ReceivedEvent: Sendable, Equatable {
    public var envelope: EventEnvelope
    public var event: DomainEvent

    public init(envelope: EventEnvelope, event: DomainEvent) {
        self.envelope = envelope
        self.event = event
    }
}

/// An event a service is about to publish.
public struct OutgoingEvent: Sendable, Equatable {
    public var id: String
    public var source: String
    public var time: Timestamp
    public var event: DomainEvent
    public var correlationId: String?
    public var causationId: String?
    public var traceparent: String?

    public init(
        id: String, source: String, time: Timestamp, event: DomainEvent, correlationId: String? = nil,
        causationId: String? = nil, traceparent: String? = nil
    ) {
        self.id = id
        self.source = source
        self.time = time
        self.event = event
        self.correlationId = correlationId
        self.causationId = causationId
        self.traceparent = traceparent
    }

    public var topic: Topic { event.type.topic }
    /// The Kafka key: the aggregate id, also the CloudEvents subject.
    public var key: String { event.payload.subject }
}
