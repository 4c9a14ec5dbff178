import Foundation

/// Kafka header names used by the CloudEvents Kafka protocol binding.
public enum CloudEventHeaders {
    public static let contentType = "content-type"
    public static let structuredContentType = "application/cloudevents+json"

    /// Whether a header is a content type naming structured mode: the name `content-type` and a
    /// value starting with `application/cloudevents+json`, both in any case, the value's leading
    /// white space ignored. ASCII (every real header) is compared byte by byte; anything else goes
    /// through Foundation's Unicode case mapping and white space, as the rule is written.
    static func announcesStructured(name: String, value: [UInt8]) -> Bool {
        if name.utf8.allSatisfy({ $0 < 0x80 }), value.allSatisfy({ $0 < 0x80 }) {
            guard asciiEqualIgnoringCase(name.utf8, contentType.utf8) else { return false }
            let start = value.firstIndex { $0 != 0x20 && $0 != 0x09 } ?? value.endIndex
            let prefix = structuredContentType.utf8
            return value.count - start >= prefix.count && asciiEqualIgnoringCase(value[start..<start + prefix.count], prefix)
        }
        return name.lowercased() == contentType
            && String(decoding: value, as: UTF8.self).lowercased().trimmingCharacters(in: .whitespaces).hasPrefix(structuredContentType)
    }

    private static func asciiEqualIgnoringCase<A: Collection<UInt8>, B: Collection<UInt8>>(_ a: A, _ b: B) -> Bool {
        func lower(_ byte: UInt8) -> UInt8 { (0x41...0x5A).contains(byte) ? byte | 0x20 : byte }
        return a.count == b.count && zip(a, b).allSatisfy { lower($0) == lower($1) }
    }
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

    /// Reads the high-volume event types with `FastJSON` first, and writes them with
    /// `FastJSONWriter` (off only to compare the two paths).
    public let fastPath: Bool

    public init(rules: ValidationRules, maxValueBytes: Int = 1_048_576, fastPath: Bool = true) {
        self.rules = rules
        self.maxValueBytes = maxValueBytes
        self.fastPath = fastPath
    }

    // MARK: Encoding

    /// The structured-mode value of an event, and the headers that go with it.
    public func encode(_ event: OutgoingEvent) throws -> (value: [UInt8], headers: [(String, [UInt8])]) {
        let value = try (fastPath ? FastJSONWriter.structured(event) : nil) ?? Self.encodeStructured(event.event.payload, event: event)
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
        let envelope: EventEnvelope
        let event: DomainEvent
        let binary: Bool
        // The Kafka protocol binding decides the mode by content type: a structured event stays
        // structured whatever stray ce_* headers come with it.
        let structuredByContentType = headers.contains { name, value in CloudEventHeaders.announcesStructured(name: name, value: value) }
        if !structuredByContentType, let attributes = try Attributes(binaryHeaders: headers) {
            envelope = try attributes.envelope(topic: topic)
            if fastPath, let payload = FastJSON.payload(envelope.type, value) {
                event = payload
            } else {
                try StrictJSON.check(value)
                event = try decodePayload(envelope.type, from: Data(value))
            }
            binary = true
        } else if fastPath, let fast = FastJSON.structured(value) {
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
        // What a caused event carries again (its id and source in causation and correlation ids)
        // follows the identifier rule, so what goes out always fits.
        let attribute = binary ? "header ce_" : ""
        try rules.requireIdentifier(envelope.id, attribute + "id")
        try rules.requireIdentifier(envelope.source, attribute + "source")
        if let correlationId = envelope.correlationId { try rules.requireIdentifier(correlationId, attribute + "correlationid") }
        if let causationId = envelope.causationId { try rules.requireIdentifier(causationId, attribute + "causationid") }
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
                "is '\(envelope.source)'; \(envelope.type.rawValue) is emitted only by the service whose source is '\(required)'")
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
    let attributes: Attributes
    private(set) var payload: Result<DomainEvent, EventRejection>

    private enum Keys: String, CodingKey { case data }

    private static let decoder = JSONDecoder()

    static func decode(_ value: [UInt8]) throws(EventRejection) -> StructuredMessage {
        try StrictJSON.check(value)
        do {
            var message = try decoder.decode(StructuredMessage.self, from: Data(value))
            // A number in `data` that does not fit its integer field fails the parse without a path.
            if case .failure(let rejection) = message.payload, rejection.code == .malformedEvent, rejection.field == nil,
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
            throw EventRejection(.malformedEvent, "value is not valid JSON: \(Attributes.summary(of: error))")
        }
    }

    init(from decoder: any Decoder) throws {
        attributes = try Attributes(from: decoder)
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

extension DomainEvent {
    /// Decodes the payload of `type` with `read`, which is handed the payload's Swift type.
    static func decode(_ type: EventType, _ read: (any EventPayload.Type) throws -> any EventPayload) throws -> DomainEvent {
        func payload<P: EventPayload>(_: P.Type) throws -> P { try read(P.self) as! P }
        switch type {
        case .campaignPlanned: return .campaignPlanned(try payload(CampaignPlanned.self))
        case .campaignLaunched: return .campaignLaunched(try payload(CampaignLaunched.self))
        case .campaignPaused: return .campaignPaused(try payload(CampaignPaused.self))
        case .campaignResumed: return .campaignResumed(try payload(CampaignResumed.self))
        case .campaignCompleted: return .campaignCompleted(try payload(CampaignCompleted.self))
        case .budgetApproved: return .budgetApproved(try payload(BudgetApproved.self))
        case .budgetRejected: return .budgetRejected(try payload(BudgetRejected.self))
        case .budgetExceeded: return .budgetExceeded(try payload(BudgetExceeded.self))
        case .envelopeChanged: return .envelopeChanged(try payload(EnvelopeChanged.self))
        case .roiReported: return .roiReported(try payload(RoiReported.self))
        case .adSpendReported: return .adSpendReported(try payload(AdSpendReported.self))
        case .customerInteraction: return .customerInteraction(try payload(CustomerInteraction.self))
        case .conversionAttributed: return .conversionAttributed(try payload(ConversionAttributed.self))
        case .campaignPerformanceReported:
            return .campaignPerformanceReported(try payload(CampaignPerformanceReported.self))
        case .churnRiskDetected: return .churnRiskDetected(try payload(ChurnRiskDetected.self))
        case .churnRiskCleared: return .churnRiskCleared(try payload(ChurnRiskCleared.self))
        case .churnRiskSegmentChanged: return .churnRiskSegmentChanged(try payload(ChurnRiskSegmentChanged.self))
        }
    }
}

/// The context attributes as read from the wire, before they are checked.
struct Attributes: Decodable {
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

    enum CodingKeys: String, CodingKey, CaseIterable {
        case specversion, id, source, type, time, subject, schemaversion, correlationid, causationid, traceparent
    }

    init() {}

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

    /// nil when the headers do not carry a binary-mode event.
    init?(binaryHeaders headers: [(String, [UInt8])]) throws(EventRejection) {
        var found: [String: String] = [:]
        for (name, bytes) in headers where name.lowercased().hasPrefix(CloudEventHeaders.prefix) {
            let header = "header " + name.lowercased()
            // Strict UTF-8 (no overlong forms, no surrogates), as in a structured value; no repair.
            guard let text = String(validating: bytes, as: UTF8.self) else {
                throw EventRejection(.malformedEvent, field: header, "is not valid UTF-8")
            }
            let attribute = String(name.lowercased().dropFirst(CloudEventHeaders.prefix.count))
            guard found.updateValue(text, forKey: attribute) == nil else {
                throw EventRejection(
                    .malformedEvent, field: header, "appears more than once; duplicate attributes are refused")
            }
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
                throw EventRejection(.invalidData, field: where_ + "time", "must be \(Timestamp.expectation)")
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
            // JSON the parser refused (bytes that are not UTF-8, a broken literal): the value as a whole.
            self.init(.malformedEvent, "value is not valid JSON: \(error)")
        }
        if let prefix { self = self.prefixed(prefix) }
    }

    /// Foundation's decoder reports a number that does not fit an integer field (a fraction, past
    /// 64 bits) as invalid JSON as a whole, without a path. Every number in the catalog and the HTTP
    /// bodies is a whole number, so the first number in `bytes` that is not one that fits 64 bits
    /// (in document order) is the field to name; nil when there is none, or the bytes are not JSON.
    /// `member` limits the search to one member of the top-level object (a structured event's `data`).
    public static func misfitNumber(in bytes: [UInt8], member: String? = nil) -> EventRejection? {
        guard let misfit = StrictJSON.firstMisfitInteger(in: bytes, under: member) else { return nil }
        let rule = "must be a whole number between \(Int64.min) and \(Int64.max), got \(misfit.text)"
        guard let field = misfit.field else { return EventRejection(.invalidData, "value \(rule)") }
        return EventRejection(.invalidData, field: field, rule)
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
