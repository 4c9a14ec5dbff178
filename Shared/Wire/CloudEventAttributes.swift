import TriadEvents
import TriadKafka

/// The name of a context attribute the codec reads: a member of a structured event, a `ce_` header
/// in binary mode.
package enum CloudEventAttribute: String, CodingKey, CaseIterable {
    case specversion, id, source, type, time, subject, schemaversion, correlationid, causationid, traceparent
}

/// The context attributes as read from the wire, before they are checked.
struct CloudEventAttributes: Decodable {
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

    typealias CodingKeys = CloudEventAttribute

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
    init?(binaryHeaders headers: [KafkaHeader]) throws(EventRejection) {
        var found: [String: String] = [:]
        for header in headers where header.name.lowercased().hasPrefix(CloudEventHeaders.prefix) {
            let name = header.name.lowercased()
            let field = "header " + name
            // Strict UTF-8 (no overlong forms, no surrogates), as in a structured value; no repair.
            guard let text = header.text else {
                throw EventRejection(.malformedEvent, field: field, "is not valid UTF-8")
            }
            let attribute = String(name.dropFirst(CloudEventHeaders.prefix.count))
            guard found.updateValue(text, forKey: attribute) == nil else {
                throw EventRejection(
                    .malformedEvent, field: field, "appears more than once; duplicate attributes are refused")
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
            throw EventRejection(
                .unsupportedSpecVersion, field: where_ + "specversion", "is '\(spec)'; only 1.0 is read")
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
