import Foundation

/// Kafka header names used by the CloudEvents Kafka protocol binding.
public enum CloudEventHeaders {
    public static let contentType = "content-type"
    public static let structuredContentType = "application/cloudevents+json"
    public static let jsonContentType = "application/json"
    /// Binary mode carries each attribute in a `ce_<name>` header.
    public static let prefix = "ce_"
}

/// Turns events into Kafka values and back: produces CloudEvents structured mode, reads structured
/// and binary mode, and validates every payload against the catalog and the deployment's rules.
public struct EventCodec: Sendable {
    public let rules: ValidationRules
    /// Values larger than this are refused before any parsing.
    public let maxValueBytes: Int

    public init(rules: ValidationRules, maxValueBytes: Int = 1_048_576) {
        self.rules = rules
        self.maxValueBytes = maxValueBytes
    }

    // MARK: Encoding

    /// The structured-mode value of an event, and the headers that go with it.
    public func encode(_ event: OutgoingEvent) throws -> (value: [UInt8], headers: [(String, [UInt8])]) {
        let value = try Self.encodeStructured(event.event.payload, event: event)
        return (value, [(CloudEventHeaders.contentType, Array(CloudEventHeaders.structuredContentType.utf8))])
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
    public func decode(value: [UInt8], headers: [(String, [UInt8])], topic: String?) throws(EventRejection)
        -> ReceivedEvent
    {
        guard value.count <= maxValueBytes else {
            throw EventRejection(
                .malformedEvent, "value is \(value.count) bytes, over the \(maxValueBytes)-byte limit")
        }
        let attributes: Attributes
        let dataBytes: Data
        if let binary = try Attributes(binaryHeaders: headers) {
            attributes = binary
            dataBytes = Data(value)
        } else {
            attributes = try Attributes(structured: value)
            dataBytes = Data(value)
        }
        let envelope = try attributes.envelope(topic: topic)
        let event = try decodePayload(envelope.type, from: dataBytes, nestedInData: !attributes.binary)
        if let subject = envelope.subject, subject != event.payload.subject {
            throw EventRejection(
                .invalidData, field: "subject",
                "is '\(subject)' but the payload's id is '\(event.payload.subject)'; they must be the same")
        }
        do {
            try event.payload.validate(rules)
        } catch {
            throw error.prefixed(attributes.binary ? nil : "data")
        }
        return ReceivedEvent(envelope: envelope, event: event)
    }

    private func decodePayload(_ type: EventType, from data: Data, nestedInData: Bool) throws(EventRejection)
        -> DomainEvent
    {
        func read<P: EventPayload>(_: P.Type) throws(EventRejection) -> P {
            do {
                if nestedInData {
                    guard let payload = try Self.decoder.decode(DataMember<P>.self, from: data).data else {
                        throw EventRejection(.missingAttribute, field: "data", "is required")
                    }
                    return payload
                }
                return try Self.decoder.decode(P.self, from: data)
            } catch let rejection as EventRejection {
                throw rejection
            } catch {
                throw EventRejection(decodingError: error, prefix: nil)
            }
        }
        switch type {
        case .campaignPlanned: return .campaignPlanned(try read(CampaignPlanned.self))
        case .campaignLaunched: return .campaignLaunched(try read(CampaignLaunched.self))
        case .campaignPaused: return .campaignPaused(try read(CampaignPaused.self))
        case .campaignResumed: return .campaignResumed(try read(CampaignResumed.self))
        case .campaignCompleted: return .campaignCompleted(try read(CampaignCompleted.self))
        case .budgetApproved: return .budgetApproved(try read(BudgetApproved.self))
        case .budgetRejected: return .budgetRejected(try read(BudgetRejected.self))
        case .budgetExceeded: return .budgetExceeded(try read(BudgetExceeded.self))
        case .roiReported: return .roiReported(try read(RoiReported.self))
        case .adSpendReported: return .adSpendReported(try read(AdSpendReported.self))
        case .customerInteraction: return .customerInteraction(try read(CustomerInteraction.self))
        case .conversionAttributed: return .conversionAttributed(try read(ConversionAttributed.self))
        case .campaignPerformanceReported:
            return .campaignPerformanceReported(try read(CampaignPerformanceReported.self))
        case .churnRiskDetected: return .churnRiskDetected(try read(ChurnRiskDetected.self))
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

private struct DataMember<P: Decodable>: Decodable {
    let data: P?
}

/// The context attributes as read from the wire, before they are checked.
private struct Attributes: Decodable {
    var specversion: String?
    var id: String?
    var source: String?
    var type: String?
    var time: String?
    var subject: String?
    var schemaversion: String?
    var correlationid: String?
    var causationid: String?
    var traceparent: String?
    var binary = false

    enum CodingKeys: String, CodingKey {
        case specversion, id, source, type, time, subject, schemaversion, correlationid, causationid, traceparent
    }

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        func string(_ key: CodingKeys) throws -> String? {
            if let s = try? c.decodeIfPresent(String.self, forKey: key) { return s }
            if let n = try? c.decodeIfPresent(Int.self, forKey: key) { return String(n) }
            if c.contains(key), try !c.decodeNil(forKey: key) {
                throw EventRejection(.malformedEvent, field: key.rawValue, "must be a string")
            }
            return nil
        }
        specversion = try string(.specversion)
        id = try string(.id)
        source = try string(.source)
        type = try string(.type)
        time = try string(.time)
        subject = try string(.subject)
        schemaversion = try string(.schemaversion)
        correlationid = try string(.correlationid)
        causationid = try string(.causationid)
        traceparent = try string(.traceparent)
    }

    init(structured value: [UInt8]) throws(EventRejection) {
        do {
            self = try JSONDecoder().decode(Attributes.self, from: Data(value))
        } catch let rejection as EventRejection {
            throw rejection
        } catch DecodingError.typeMismatch(_, _) {
            throw EventRejection(.malformedEvent, "value must be a JSON object (a structured-mode CloudEvent)")
        } catch {
            throw EventRejection(.malformedEvent, "value is not valid JSON: \(Self.summary(of: error))")
        }
    }

    /// nil when the headers do not carry a binary-mode event.
    init?(binaryHeaders headers: [(String, [UInt8])]) throws(EventRejection) {
        var found: [String: String] = [:]
        for (name, bytes) in headers where name.lowercased().hasPrefix(CloudEventHeaders.prefix) {
            guard let text = String(validating: bytes, as: UTF8.self) else {
                throw EventRejection(.malformedEvent, field: name, "header is not UTF-8")
            }
            found[String(name.lowercased().dropFirst(CloudEventHeaders.prefix.count))] = text
        }
        guard found["specversion"] != nil else { return nil }
        specversion = found["specversion"]
        id = found["id"]
        source = found["source"]
        type = found["type"]
        time = found["time"]
        subject = found["subject"]
        schemaversion = found["schemaversion"]
        correlationid = found["correlationid"]
        causationid = found["causationid"]
        traceparent = found["traceparent"]
        binary = true
    }

    func envelope(topic: String?) throws(EventRejection) -> EventEnvelope {
        let where_ = binary ? "header ce_" : ""
        func required(_ value: String?, _ name: String) throws(EventRejection) -> String {
            guard let value, !value.isEmpty else {
                throw EventRejection(.missingAttribute, field: where_ + name, "is required")
            }
            return value
        }
        let spec = try required(specversion, "specversion")
        guard spec == "1.0" else {
            throw EventRejection(.unsupportedSpecVersion, field: where_ + "specversion", "is '\(spec)'; only 1.0 is read")
        }
        let id = try required(id, "id")
        let source = try required(source, "source")
        let typeName = try required(type, "type")
        guard let type = EventType(rawValue: typeName) else {
            throw EventRejection(.unknownType, field: where_ + "type", "'\(typeName)' is not in the event catalog")
        }
        if let topic, topic != type.topic.name {
            throw EventRejection(
                .wrongTopic, field: where_ + "type", "'\(typeName)' belongs on \(type.topic.name), not on \(topic)")
        }
        let versionText = try required(schemaversion, "schemaversion")
        guard let version = Int(versionText), version >= 1 else {
            throw EventRejection(
                .invalidData, field: where_ + "schemaversion", "must be a positive integer, got '\(versionText)'")
        }
        guard version <= type.currentVersion else {
            throw EventRejection(
                .unsupportedSchemaVersion, field: where_ + "schemaversion",
                "\(typeName) version \(version) is newer than the known version \(type.currentVersion)")
        }
        var timestamp: Timestamp?
        if let time {
            guard let parsed = Timestamp(iso8601: time) else {
                throw EventRejection(.invalidData, field: where_ + "time", "must be an RFC 3339 timestamp")
            }
            timestamp = parsed
        }
        return EventEnvelope(
            id: id, source: source, type: type, schemaVersion: version, time: timestamp, subject: subject,
            correlationId: correlationid, causationId: causationid, traceparent: traceparent)
    }

    static func summary(of error: any Error) -> String {
        if case DecodingError.dataCorrupted(let context) = error {
            return context.underlyingError.map { "\($0)" } ?? context.debugDescription
        }
        return "\(error)"
    }
}

// MARK: - Error mapping

extension EventRejection {
    /// Names the field a `DecodingError` is about, e.g. `data.requestedBudget.amountMinor`.
    public init(decodingError error: any Error, prefix: String?) {
        func path(_ codingPath: [any CodingKey], _ last: (any CodingKey)? = nil) -> String {
            let keys = (codingPath + (last.map { [$0] } ?? [])).map { key in
                key.intValue.map { "[\($0)]" } ?? key.stringValue
            }
            return keys.joined(separator: ".").replacingOccurrences(of: ".[", with: "[")
        }
        switch error {
        case DecodingError.keyNotFound(let key, let context):
            self.init(.invalidData, field: path(context.codingPath, key), "is required")
        case DecodingError.valueNotFound(_, let context):
            self.init(.invalidData, field: path(context.codingPath), "is required, got null")
        case DecodingError.typeMismatch(let type, let context):
            self.init(.invalidData, field: path(context.codingPath), "must be \(Self.describe(type))")
        case DecodingError.dataCorrupted(let context) where !context.codingPath.isEmpty:
            self.init(.invalidData, field: path(context.codingPath), context.debugDescription)
        case DecodingError.dataCorrupted(let context):
            self.init(.malformedEvent, "value is not valid JSON: \(context.debugDescription)")
        default:
            self.init(.malformedEvent, "\(error)")
        }
        if let prefix { self = self.prefixed(prefix) }
    }

    func prefixed(_ prefix: String?) -> EventRejection {
        guard let prefix, let field else { return self }
        return EventRejection(code, field: "\(prefix).\(field)", reason)
    }

    private static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Int.Type, is Int64.Type: "an integer"
        case is Bool.Type: "true or false"
        default: "of type \(type)"
        }
    }
}
