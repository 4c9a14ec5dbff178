import Foundation
import Logging
import TriadEvents
import TriadKafka
import TriadStorage

/// Turns messages that cannot be processed into dead letters for `<service>.dead-letter`
/// (written to the outbox with the batch), and counts and logs them.
public struct DeadLetters: Sendable {
    public let service: Producer
    public let metrics: ServiceMetrics
    public let logger: Logger

    public init(service: Producer, metrics: ServiceMetrics, logger: Logger) {
        self.service = service
        self.metrics = metrics
        self.logger = logger
    }

    public var topic: String { Topic.deadLetter(of: service) }

    /// The original key, value and headers, with the reason and the source position in front.
    public func outboxMessage(for original: ConsumedMessage, rejection: EventRejection) -> OutboxMessage {
        let headers = [
            (DeadLetterHeader.reason, rejection.description),
            (DeadLetterHeader.code, rejection.code.rawValue),
            (DeadLetterHeader.sourceTopic, original.topic),
            (DeadLetterHeader.sourcePartition, String(original.partition)),
            (DeadLetterHeader.sourceOffset, String(original.offset)),
            (DeadLetterHeader.service, service.rawValue),
            (DeadLetterHeader.failedAt, Timestamp.now().iso8601),
        ].map { (name: $0.0, value: Array($0.1.utf8)) }
        return OutboxMessage(
            topic: topic, eventType: "dead-letter", key: original.key, value: original.value,
            headers: headers + original.headers.map { (name: $0.name, value: $0.value) })
    }

    /// The CloudEvents id of a message that could not be processed, where one can be read.
    static func eventId(of message: ConsumedMessage) -> String? {
        if let id = message.header("ce_id")?.text { return id }
        guard message.value.count <= 65_536,
            let json = try? JSONSerialization.jsonObject(with: Data(message.value)) as? [String: Any]
        else { return nil }
        return json["id"] as? String
    }

    /// Counts and logs a dead letter once its transaction committed.
    public func record(_ original: ConsumedMessage, rejection: EventRejection) {
        var metadata: Logger.Metadata = [
            "topic": "\(original.topic)", "partition": "\(original.partition)", "offset": "\(original.offset)",
            "reason": "\(rejection)",
        ]
        if let id = Self.eventId(of: original) { metadata["event-id"] = "\(id)" }
        logger.warning("dead-lettered a message", metadata: metadata)
        metrics.increment("triad_dead_letters_total", [("topic", original.topic), ("code", rejection.code.rawValue)])
    }
}
