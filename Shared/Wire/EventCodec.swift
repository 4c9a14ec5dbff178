import Foundation
import TriadEvents
import TriadKafka

/// Turns events into Kafka values and back: produces CloudEvents structured mode, reads structured
/// and binary mode, and validates every payload against the catalog and the deployment's rules.
public struct EventCodec: Sendable {
    public let rules: ValidationRules
    /// Values larger than this are refused before any parsing.
    public let maxValueBytes: Int

    /// Reads the high-volume event types with `EventScanner` first, and writes them with
    /// `EventWriter` (off only to compare the two paths).
    public let fastPath: Bool

    public init(rules: ValidationRules, maxValueBytes: Int = 1_048_576, fastPath: Bool = true) {
        self.rules = rules
        self.maxValueBytes = maxValueBytes
        self.fastPath = fastPath
    }

    // MARK: Encoding

    /// The structured-mode value of an event, and the headers that go with it.
    public func encode(_ event: OutgoingEvent) throws -> (value: [UInt8], headers: [KafkaHeader]) {
        let written = fastPath ? EventWriter.structured(event) : nil
        let value = try written ?? Self.encodeStructured(event.event.payload, event: event)
        return (value, [KafkaHeader(CloudEventHeaders.contentType, CloudEventHeaders.structuredContentType)])
    }

    private static func encodeStructured<P: EventPayload>(_ payload: P, event: OutgoingEvent) throws -> [UInt8] {
        let structured = StructuredEvent(
            specversion: "1.0", id: event.id, source: event.source, type: P.eventType.rawValue,
            time: event.time, subject: payload.subject, datacontenttype: CloudEventHeaders.jsonContentType,
            schemaversion: P.eventType.currentVersion, correlationid: event.correlationId,
            causationid: event.causationId, traceparent: event.traceparent, data: payload)
        return Array(try encoder.encode(structured))
    }

    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    // MARK: Decoding

    /// Reads one Kafka message. Binary mode when a `ce_specversion` header is present, else structured.
    /// `topic`, when given, must be the topic the event type belongs to.
    public func decode(value: [UInt8], headers: [KafkaHeader], topic: String?) throws(EventRejection)
        -> ReceivedEvent
    {
        guard value.count <= maxValueBytes else {
            throw EventRejection(
                .malformedEvent, "value is \(value.count) bytes, over the \(maxValueBytes)-byte limit")
        }
        let envelope: EventEnvelope
        var event: DomainEvent
        let binary: Bool
        // The Kafka protocol binding decides the mode by content type: a structured event stays
        // structured whatever stray ce_* headers come with it.
        let structuredByContentType = headers.contains(where: CloudEventHeaders.announcesStructured)
        if !structuredByContentType, let attributes = try CloudEventAttributes(binaryHeaders: headers) {
            envelope = try attributes.envelope(topic: topic)
            if fastPath, let payload = EventScanner.payload(envelope.type, value) {
                event = payload
            } else {
                try StrictJSON.check(value)
                event = try decodePayload(envelope.type, from: Data(value))
            }
            binary = true
        } else if fastPath, let fast = EventScanner.structured(value) {
            envelope = try fast.attributes.envelope(topic: topic)
            event = fast.payload
            binary = false
        } else {
            // One JSON pass reads the attributes and, when the type is known, the data.
            let structured = try StructuredMessage.decode(value)
            envelope = try structured.attributes.envelope(topic: topic)
            event = try structured.payload.get()
            binary = false
        }
        // An older version's payload is read as the current version before anything checks it.
        event = event.upcast(fromVersion: envelope.schemaVersion)
        // What a caused event carries again (its id and source in causation and correlation ids)
        // follows the identifier rule, so what goes out always fits.
        let attribute = binary ? "header ce_" : ""
        try rules.requireIdentifier(envelope.id, attribute + "id")
        try rules.requireIdentifier(envelope.source, attribute + "source")
        if let correlationId = envelope.correlationId {
            try rules.requireIdentifier(correlationId, attribute + "correlationid")
        }
        if let causationId = envelope.causationId {
            try rules.requireIdentifier(causationId, attribute + "causationid")
        }
        if let subject = envelope.subject, subject != event.payload.subject {
            throw EventRejection(
                .invalidData, field: "subject",
                "is '\(subject)' but the payload's id is '\(event.payload.subject)'; they must be the same")
        }
        do {
            try event.payload.validate(rules)
        } catch {
            throw error.prefixed(binary ? nil : "data")
        }
        if let required = envelope.type.requiredSource, envelope.source != required {
            throw EventRejection(
                .wrongSource, field: attribute + "source",
                "is '\(envelope.source)'; \(envelope.type.rawValue) is emitted only by the service whose source is '\(required)'"
            )
        }
        return ReceivedEvent(envelope: envelope, event: event)
    }

    /// A binary-mode value: the payload itself.
    private func decodePayload(_ type: EventType, from data: Data) throws(EventRejection) -> DomainEvent {
        do {
            return try DomainEvent.decode(type) { payloadType in try Self.decoder.decode(payloadType, from: data) }
        } catch let rejection as EventRejection {
            throw rejection
        } catch {
            throw EventRejection.misfitNumber(in: Array(data)) ?? EventRejection(decodingError: error, prefix: nil)
        }
    }

    private static let decoder = JSONDecoder()
}

// MARK: - Wire shapes

private struct StructuredEvent<P: Encodable>: Encodable {
    let specversion: String
    let id: String
    let source: String
    let type: String
    let time: Timestamp
    let subject: String
    let datacontenttype: String
    let schemaversion: Int
    let correlationid: String?
    let causationid: String?
    let traceparent: String?
    let data: P
}

/// A structured-mode value read in one pass: the attributes, then `data` as the payload type the
/// `type` attribute names (when it names one; otherwise the envelope check refuses the event).
private struct StructuredMessage: Decodable {
    let attributes: CloudEventAttributes
    private(set) var payload: Result<DomainEvent, EventRejection>

    private enum Keys: String, CodingKey { case data }

    private static let decoder = JSONDecoder()

    static func decode(_ value: [UInt8]) throws(EventRejection) -> StructuredMessage {
        try StrictJSON.check(value)
        do {
            var message = try decoder.decode(StructuredMessage.self, from: Data(value))
            // A number in `data` that does not fit its integer field fails the parse without a path.
            if case .failure(let rejection) = message.payload, rejection.code == .malformedEvent,
                rejection.field == nil,
                let misfit = EventRejection.misfitNumber(in: value, member: "data")
            {
                message.payload = .failure(misfit)
            }
            return message
        } catch let rejection as EventRejection {
            throw rejection
        } catch DecodingError.typeMismatch(_, let context) where context.codingPath.isEmpty {
            throw EventRejection(.malformedEvent, "value must be a JSON object (a structured-mode CloudEvent)")
        } catch {
            if let misfit = EventRejection.misfitNumber(in: value) { throw misfit }
            throw EventRejection(.malformedEvent, "value is not valid JSON: \(CloudEventAttributes.summary(of: error))")
        }
    }

    init(from decoder: any Decoder) throws {
        attributes = try CloudEventAttributes(from: decoder)
        guard let type = attributes.type.flatMap(EventType.init(rawValue:)) else {
            payload = .failure(EventRejection(.unknownType, field: "type", "is not in the event catalog"))
            return
        }
        let container = try decoder.container(keyedBy: Keys.self)
        do {
            payload = .success(
                try DomainEvent.decode(type) { payloadType in
                    guard let data = try container.decodeIfPresent(payloadType, forKey: .data) else {
                        throw EventRejection(.missingAttribute, field: "data", "is required")
                    }
                    return data
                })
        } catch let rejection as EventRejection {
            payload = .failure(rejection)
        } catch {
            payload = .failure(EventRejection(decodingError: error, prefix: nil))
        }
    }
}
