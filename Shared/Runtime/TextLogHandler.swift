import Logging

/// The text log format: swift-log's stream format, with every control character in the message
/// and the metadata written as a visible escape, so text an event carries (a type, an id, a
/// reason) can never start a line of its own or hide in the terminal.
struct TextLogHandler: LogHandler {
    private var inner: StreamLogHandler

    init(label: String, logLevel: Logger.Level, metadataProvider: Logger.MetadataProvider? = nil) {
        inner = StreamLogHandler.standardError(label: label, metadataProvider: metadataProvider)
        inner.logLevel = logLevel
    }

    var metadataProvider: Logger.MetadataProvider? {
        get { inner.metadataProvider }
        set { inner.metadataProvider = newValue }
    }

    var logLevel: Logger.Level {
        get { inner.logLevel }
        set { inner.logLevel = newValue }
    }

    var metadata: Logger.Metadata {
        get { inner.metadata }
        set { inner.metadata = newValue }
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { inner[metadataKey: key] }
        set { inner[metadataKey: key] = newValue }
    }

    func log(event: LogEvent) {
        var escaped = event
        escaped.message = "\(Self.escape("\(event.message)"))"
        escaped.metadata = event.metadata.map { $0.mapValues { .string(Self.escape("\($0)")) } }
        inner.log(event: escaped)
    }

    /// `\n`, `\r`, `\t` and `\u{…}` for every other control character (C0, DEL, C1, line and
    /// paragraph separators).
    static func escape(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: isControl) else { return text }
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where isControl(scalar): out += "\\u{\(String(scalar.value, radix: 16))}"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    private static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00...0x1F, 0x7F...0x9F, 0x2028, 0x2029: true
        default: false
        }
    }
}
