/// Text as a JSON string, as Triad writes it where the bytes need not match `JSONEncoder`'s (the
/// contracts, the outbox's header column): quote, backslash, `\n` `\t` `\r` by their short escapes, the
/// other C0 and C1 control characters as `\u00XX`, everything else (`/` and non-ASCII included) as it is.
public enum JSONString {
    /// Appends `text` as a JSON string (quotes, escapes) to `out`.
    public static func quote(_ text: String, into out: inout String) {
        out += "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            case _ where scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value):
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        out += "\""
    }
}
