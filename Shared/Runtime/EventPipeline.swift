import Logging
import TriadEvents
import TriadKafka

/// The consume loop's work for one batch: decode and validate every message, apply the valid
/// ones through the service's handler, dead-letter the rest, and publish what the batch caused.
/// It returns only when every emitted event and dead letter is acknowledged by the broker, so
/// the consumer stores offsets only for fully handled messages.
public struct EventPipeline: Sendable {
    /// Applies one event to the service's state; returns the events to emit or refuses it.
    public typealias Handler = @Sendable (ReceivedEvent) throws(EventRejection) -> [DomainEvent]

    public let codec: EventCodec
    public let publisher: EventPublisher
    public let deadLetters: DeadLetters
    public let metrics: ServiceMetrics
    public let logger: Logger
    public let handler: Handler

    public init(
        codec: EventCodec, publisher: EventPublisher, deadLetters: DeadLetters, metrics: ServiceMetrics, logger: Logger,
        handler: @escaping Handler
    ) {
        self.codec = codec
        self.publisher = publisher
        self.deadLetters = deadLetters
        self.metrics = metrics
        self.logger = logger
        self.handler = handler
    }

    public func process(_ batch: [ConsumedMessage]) async throws {
        var outgoing: [OutgoingEvent] = []
        var rejected: [(ConsumedMessage, EventRejection)] = []
        for message in batch {
            do throws(EventRejection) {
                let received = try codec.decode(
                    value: message.value, headers: message.headers.map { ($0.name, $0.value) }, topic: message.topic)
                metrics.increment(
                    "triad_events_consumed_total", [("topic", message.topic), ("type", received.envelope.type.rawValue)])
                let emitted = try handler(received)
                outgoing += publisher.outgoing(emitted, cause: Cause(received.envelope))
                if !emitted.isEmpty {
                    logger.debug(
                        "event handled",
                        metadata: [
                            "event-id": "\(received.envelope.id)",
                            "correlation-id": "\(received.envelope.correlationId ?? received.envelope.id)",
                            "emitted": "\(emitted.count)",
                        ])
                }
            } catch {
                rejected.append((message, error))
            }
        }
        for (message, rejection) in rejected {
            try await deadLetters.send(message, rejection: rejection)
        }
        try await publisher.publish(outgoing)
    }
}
