/// W3C Trace Context (`traceparent`): `00-<trace id>-<parent id>-<flags>`. Every event a service
/// emits carries a child of what caused it — the incoming event's or HTTP request's trace, or a new
/// trace when there was none — so one trace id follows a campaign decision across the services.
public struct TraceContext: Sendable, Equatable, CustomStringConvertible {
    public let traceId: String
    public let parentId: String
    public let flags: String

    /// Parses a `traceparent` header; nil when it is not a valid version-00 value.
    public init?(traceparent: String) {
        let parts = traceparent.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0] == "00", parts[1].count == 32, parts[2].count == 16, parts[3].count == 2,
            parts.dropFirst().allSatisfy({ $0.allSatisfy(\.isHexDigit) && $0 == $0.lowercased() }),
            parts[1] != Substring(String(repeating: "0", count: 32)), parts[2] != Substring(String(repeating: "0", count: 16))
        else { return nil }
        traceId = String(parts[1])
        parentId = String(parts[2])
        flags = String(parts[3])
    }

    private init(traceId: String, parentId: String, flags: String) {
        self.traceId = traceId
        self.parentId = parentId
        self.flags = flags
    }

    /// A new trace (sampled).
    public static func root() -> TraceContext {
        TraceContext(traceId: randomHex(bytes: 16), parentId: randomHex(bytes: 8), flags: "01")
    }

    /// The same trace, with a new span as parent: what a caused event carries.
    public func child() -> TraceContext {
        TraceContext(traceId: traceId, parentId: Self.randomHex(bytes: 8), flags: flags)
    }

    /// The trace to continue: the given `traceparent`'s when valid, else a new one.
    public static func continuing(_ traceparent: String?) -> TraceContext {
        traceparent.flatMap(TraceContext.init(traceparent:)) ?? .root()
    }

    public var traceparent: String { "00-\(traceId)-\(parentId)-\(flags)" }
    public var description: String { traceparent }

    /// `bytes` random bytes (8 or 16) as lowercase hex, never all zeros (W3C calls that invalid).
    private static func randomHex(bytes: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        let digits = Array("0123456789abcdef".utf8)
        while true {
            let words: [UInt64] = (0..<(bytes + 7) / 8).map { _ in generator.next() }
            guard words.contains(where: { $0 != 0 }) else { continue }
            return String(unsafeUninitializedCapacity: bytes * 2) { buffer in
                for index in 0..<bytes {
                    let byte = UInt8(truncatingIfNeeded: words[index / 8] >> (UInt64(index % 8) * 8))
                    buffer[2 * index] = digits[Int(byte >> 4)]
                    buffer[2 * index + 1] = digits[Int(byte & 0xF)]
                }
                return bytes * 2
            }
        }
    }
}
