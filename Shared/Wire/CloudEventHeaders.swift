import Foundation
import TriadKafka

/// Kafka header names used by the CloudEvents Kafka protocol binding.
public enum CloudEventHeaders {
    public static let contentType = "content-type"
    public static let structuredContentType = "application/cloudevents+json"

    /// Whether a header is a content type naming structured mode: the name `content-type` and a
    /// value starting with `application/cloudevents+json`, both in any case, the value's leading
    /// white space ignored. ASCII (every real header) is compared byte by byte; anything else goes
    /// through Foundation's Unicode case mapping and white space, as the rule is written.
    static func announcesStructured(_ header: KafkaHeader) -> Bool {
        let (name, value) = (header.name, header.value)
        if name.utf8.allSatisfy({ $0 < 0x80 }), value.allSatisfy({ $0 < 0x80 }) {
            guard asciiEqualIgnoringCase(name.utf8, contentType.utf8) else { return false }
            let start = value.firstIndex { $0 != 0x20 && $0 != 0x09 } ?? value.endIndex
            let prefix = structuredContentType.utf8
            return value.count - start >= prefix.count
                && asciiEqualIgnoringCase(value[start..<start + prefix.count], prefix)
        }
        return name.lowercased() == contentType
            && String(decoding: value, as: UTF8.self).lowercased().trimmingCharacters(in: .whitespaces).hasPrefix(
                structuredContentType)
    }

    private static func asciiEqualIgnoringCase<A: Collection<UInt8>, B: Collection<UInt8>>(_ a: A, _ b: B) -> Bool {
        func lower(_ byte: UInt8) -> UInt8 { (0x41...0x5A).contains(byte) ? byte | 0x20 : byte }
        return a.count == b.count && zip(a, b).allSatisfy { lower($0) == lower($1) }
    }
    public static let jsonContentType = "application/json"
    /// Binary mode carries each attribute in a `ce_<name>` header.
    public static let prefix = "ce_"
}
