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

    private static func randomHex(bytes: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        var text = ""
        repeat {
            text = (0..<bytes).map { _ in
                let byte = UInt8.random(in: 0...255, using: &generator)
                return String(byte >> 4, radix: 16) + String(byte & 0xF, radix: 16)
            }.joined()
        } while text.allSatisfy { $0 == "0" }
        return text
    }
}
