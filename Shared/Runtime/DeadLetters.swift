import Foundation
import Logging
import TriadEvents
import TriadKafka

/// Header names on dead-letter messages. The value and key are the original bytes, untouched,
/// and the original headers follow these.
public enum DeadLetterHeader {
    public static let reason = "dead-letter-reason"
    public static let code = "dead-letter-code"
    public static let sourceTopic = "dead-letter-source-topic"
    public static let sourcePartition = "dead-letter-source-partition"
    public static let sourceOffset = "dead-letter-source-offset"
    public static let service = "dead-letter-service"
    public static let failedAt = "dead-letter-failed-at"
}

/// Sends messages that cannot be processed to `<service>.dead-letter`, counted and logged.
public struct DeadLetters: Sendable {
    public let producer: KafkaProducer
    public let service: Producer
    public let metrics: ServiceMetrics
    public let logger: Logger

    public init(producer: KafkaProducer, service: Producer, metrics: ServiceMetrics, logger: Logger) {
        self.producer = producer
        self.service = service
        self.metrics = metrics
        self.logger = logger
    }

    public var topic: String { Topic.deadLetter(of: service) }

    public func message(for original: ConsumedMessage, rejection: EventRejection) -> OutgoingMessage {
        let headers = [
            KafkaHeader(DeadLetterHeader.reason, rejection.description),
            KafkaHeader(DeadLetterHeader.code, rejection.code.rawValue),
            KafkaHeader(DeadLetterHeader.sourceTopic, original.topic),
            KafkaHeader(DeadLetterHeader.sourcePartition, String(original.partition)),
            KafkaHeader(DeadLetterHeader.sourceOffset, String(original.offset)),
            KafkaHeader(DeadLetterHeader.service, service.rawValue),
            KafkaHeader(DeadLetterHeader.failedAt, Timestamp.now().iso8601),
        ]
        return OutgoingMessage(topic: topic, key: original.key, value: original.value, headers: headers + original.headers)
    }

    /// Publishes the dead letter and waits for the broker to have it.
    public func send(_ original: ConsumedMessage, rejection: EventRejection) async throws {
        logger.warning(
            "dead-lettered a message",
            metadata: [
                "topic": "\(original.topic)", "partition": "\(original.partition)", "offset": "\(original.offset)",
                "reason": "\(rejection)",
            ])
        try await producer.send(message(for: original, rejection: rejection))
        metrics.increment("triad_dead_letters_total", [("topic", original.topic), ("code", rejection.code.rawValue)])
    }
}
