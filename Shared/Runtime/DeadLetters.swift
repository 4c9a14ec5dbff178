import Crypto
import Foundation
import Logging
import TriadEvents
import TriadKafka
import TriadStorage

/// Turns messages that cannot be processed into dead letters for `<service>.dead-letter`
/// (written to the outbox with the batch), and counts and logs them.
public struct DeadLetters: Sendable {
    /// The outbox's `event_type` of a dead letter (and its `type` label in metrics).
    public static let eventType = "dead-letter"

    public let service: Participant
    public let metrics: ServiceMetrics
    public let logger: Logger

    public init(service: Participant, metrics: ServiceMetrics, logger: Logger) {
        self.service = service
        self.metrics = metrics
        self.logger = logger
    }

    public var topic: String { Topic.deadLetter(of: service) }

    /// A dead letter must fit the broker however large or odd the original was: values over this
    /// keep an excerpt of this size plus the original's size and SHA-256.
    static let maxValueBytes = 256 * 1024
    /// The reason and every copied header are cut to this many bytes; original headers beyond
    /// `maxOriginalHeaderBytes` in all are left out.
    static let maxHeaderValueBytes = 1024
    static let maxOriginalHeaderBytes = 16 * 1024

    /// The original key, value and headers, with the reason and the source position in front.
    public func outboxMessage(for original: ConsumedMessage, rejection: EventRejection) -> OutboxMessage {
        var headers = [
            (DeadLetterHeader.reason, Self.cut(rejection.description)),
            (DeadLetterHeader.code, rejection.code.rawValue),
            (DeadLetterHeader.sourceTopic, original.topic),
            (DeadLetterHeader.sourcePartition, String(original.partition)),
            (DeadLetterHeader.sourceOffset, String(original.offset)),
            (DeadLetterHeader.service, service.rawValue),
            (DeadLetterHeader.failedAt, Timestamp.now().iso8601),
        ].map { KafkaHeader($0.0, $0.1) }
        var value = original.value
        if value.count > Self.maxValueBytes {
            headers.append(KafkaHeader(DeadLetterHeader.originalBytes, String(value.count)))
            headers.append(
                KafkaHeader(
                    DeadLetterHeader.originalSHA256,
                    SHA256.hash(data: value).map { String(format: "%02x", $0) }.joined()))
            value = Array(value.prefix(Self.maxValueBytes))
        }
        var copied = 0
        for header in original.headers
        where copied + header.name.utf8.count + header.value.count <= Self.maxOriginalHeaderBytes {
            copied += header.name.utf8.count + header.value.count
            headers.append(header)
        }
        let key = original.key.map { Array($0.prefix(Self.maxHeaderValueBytes)) }
        return OutboxMessage(topic: topic, eventType: Self.eventType, key: key, value: value, headers: headers)
    }

    /// `text` cut to `maxHeaderValueBytes` on a character boundary.
    static func cut(_ text: String) -> String {
        guard text.utf8.count > maxHeaderValueBytes else { return text }
        var out = ""
        for character in text {
            guard out.utf8.count + character.utf8.count <= maxHeaderValueBytes - 3 else { break }
            out.append(character)
        }
        return out + "…"
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
