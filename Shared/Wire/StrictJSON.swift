import TriadEvents

/// RFC 8259 JSON, checked byte by byte before any reader maps it to types: the grammar exactly
/// (numbers, the escapes JSON has, `\u` with four hex digits and paired surrogates, no raw control
/// characters in strings, `true`/`false`/`null` spelled so, nothing after the value), UTF-8 that is
/// well formed (no overlong forms, no surrogates, nothing past U+10FFFF), no member name twice in
/// one object (readers disagree on which one wins), numbers a 64-bit float holds (`invalid-data`
/// when one does not; everything else is `malformed-event`), and at most
/// `maxDepth` levels of nesting. Every value is checked, the members no reader looks at included.
///
/// A problem inside a member names it (`data.extra`, `items[2].id`, as `EventRejection` names
/// fields); one outside any member is about the value as a whole.
public enum StrictJSON {
    public static let maxDepth = 64

    /// Throws the first thing in `bytes` that is not strict JSON.
    public static func check(_ bytes: [UInt8]) throws(EventRejection) {
        var checker = StrictJSONChecker(bytes: bytes, misfitsUnder: nil)
        try checker.document()
    }

    /// The first number (in document order) that is not a whole number fitting 64 bits, with the
    /// field it is in; only numbers under the top-level member `member` when given. Nil when there
    /// is none or the bytes are not strict JSON.
    static func firstMisfitInteger(in bytes: [UInt8], under member: String?) -> (field: String?, text: String)? {
        var checker = StrictJSONChecker(bytes: bytes, misfitsUnder: .some(member))
        guard (try? checker.document()) != nil else { return nil }
        return checker.misfit
    }
}

private struct StrictJSONChecker {
    enum Step {
        case member(String)
        case element(Int)
    }

    let bytes: [UInt8]
    var index = 0
    /// Where the checker is: the members and elements it is inside.
    var path: [Step] = []
    /// `.some(nil)`: record misfit integers anywhere; `.some(name)`: under one top-level member.
    let misfitsUnder: String??
    var misfit: (field: String?, text: String)?

    init(bytes: [UInt8], misfitsUnder: String??) {
        self.bytes = bytes
        self.misfitsUnder = misfitsUnder
    }

    mutating func document() throws(EventRejection) {
        skipSpace()
        guard index < bytes.count else { throw failure("there is no value (the input is empty or only white space)") }
        try value(depth: 0)
        skipSpace()
        guard index == bytes.count else {
            throw failure("\(describe(bytes[index])) after the end of the value")
        }
    }

    // MARK: Values

    private mutating func value(depth: Int) throws(EventRejection) {
        skipSpace()
        guard index < bytes.count else { throw failure("the input ends where a value should be") }
        switch bytes[index] {
        case 0x7B: try object(depth: depth + 1)  // {
        case 0x5B: try array(depth: depth + 1)  // [
        case 0x22:  // "
            index += 1
            _ = try string(collecting: false)
        case 0x74: try literal("true")
        case 0x66: try literal("false")
        case 0x6E: try literal("null")
        case 0x2D, 0x30...0x39: try number()
        default: throw failure("\(describe(bytes[index])) where a value should be")
        }
    }

    private mutating func object(depth: Int) throws(EventRejection) {
        guard depth <= StrictJSON.maxDepth else { throw failure("nests deeper than \(StrictJSON.maxDepth) levels") }
        index += 1
        skipSpace()
        if take(0x7D) { return }  // }
        var names: Set<[UInt8]> = []
        while true {
            skipSpace()
            guard take(0x22) else { throw failure("\(describeNext()) where a member name in quotes should be") }
            let name = try string(collecting: true)
            path.append(.member(String(decoding: name, as: UTF8.self)))
            guard names.insert(name).inserted else {
                throw EventRejection(
                    .malformedEvent, field: field(of: path),
                    "appears more than once in its object; duplicate member names are refused")
            }
            skipSpace()
            guard take(0x3A) else { throw failure("\(describeNext()) where ':' should follow the member name") }  // :
            try value(depth: depth)
            skipSpace()
            if take(0x2C) {  // ,
                path.removeLast()
                continue
            }
            guard take(0x7D) else { throw failure("\(describeNext()) after the value, where ',' or '}' should be") }
            path.removeLast()
            return
        }
    }

    private mutating func array(depth: Int) throws(EventRejection) {
        guard depth <= StrictJSON.maxDepth else { throw failure("nests deeper than \(StrictJSON.maxDepth) levels") }
        index += 1
        skipSpace()
        if take(0x5D) { return }  // ]
        var element = 0
        while true {
            path.append(.element(element))
            try value(depth: depth)
            skipSpace()
            if take(0x2C) {  // ,
                path.removeLast()
                element += 1
                continue
            }
            guard take(0x5D) else { throw failure("\(describeNext()) after the element, where ',' or ']' should be") }
            path.removeLast()
            return
        }
    }

    private mutating func literal(_ word: StaticString) throws(EventRejection) {
        let count = word.utf8CodeUnitCount
        for offset in 0..<count {
            guard index + offset < bytes.count, bytes[index + offset] == word.utf8Start[offset] else {
                throw failure("a literal that is not \(word) (only true, false and null are, in lower case)")
            }
        }
        index += count
    }

    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`, finite as a 64-bit float.
    private mutating func number() throws(EventRejection) {
        let start = index
        _ = take(0x2D)  // -
        guard index < bytes.count, isDigit(bytes[index]) else { throw failure("a number without digits") }
        if bytes[index] == 0x30, index + 1 < bytes.count, isDigit(bytes[index + 1]) {
            throw failure("a number with a leading zero")
        }
        let integerStart = index
        skipDigits()
        let integerDigits = index - integerStart
        var whole = true
        if take(0x2E) {  // .
            whole = false
            guard index < bytes.count, isDigit(bytes[index]) else { throw failure("a number with no digit after '.'") }
            skipDigits()
        }
        var exponent = false
        if index < bytes.count, bytes[index] == 0x65 || bytes[index] == 0x45 {  // e E
            index += 1
            exponent = true
            whole = false
            if index < bytes.count, bytes[index] == 0x2B || bytes[index] == 0x2D { index += 1 }  // + -
            guard index < bytes.count, isDigit(bytes[index]) else {
                throw failure("a number with no digit in its exponent")
            }
            skipDigits()
        }
        let text = String(decoding: bytes[start..<index], as: UTF8.self)
        if exponent || integerDigits > 300, !(Double(text)?.isFinite ?? false) {
            let rule = "must be a number a 64-bit float holds, got \(text)"
            if path.isEmpty { throw EventRejection(.invalidData, "value \(rule)") }
            throw EventRejection(.invalidData, field: field(of: path), rule)
        }
        if misfit == nil, let under = misfitsUnder, !Self.fitsInt64(text, whole: whole) {
            if under == nil {
                misfit = (path.isEmpty ? nil : field(of: path), text)
            } else if case .member(let name) = path.first, name == under {
                misfit = (field(of: path), text)
            }
        }
    }

    /// A whole number in 64 bits, however it is spelled (`12`, `12.0`, `1.2e1`: readers take all three).
    private static func fitsInt64(_ text: String, whole: Bool) -> Bool {
        if whole { return Int64(text) != nil }
        guard let value = Double(text) else { return false }
        return value.rounded() == value && value >= -0x1p63 && value < 0x1p63
    }

    // MARK: Strings

    /// A string's contents after its opening quote, through the closing one; its text as UTF-8
    /// (escapes decoded) when `collecting`, else nothing.
    private mutating func string(collecting: Bool) throws(EventRejection) -> [UInt8] {
        var text: [UInt8] = []
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case 0x22:  // "
                index += 1
                return text
            case 0x5C:  // \
                try escape(into: &text, collecting: collecting)
            case 0x00..<0x20:
                throw failure("a raw control character (U+\(hex(UInt32(byte)))) in a string; it must be escaped")
            case 0x80...:
                let width = try utf8Sequence()
                if collecting { text += bytes[index..<index + width] }
                index += width
            default:
                if collecting { text.append(byte) }
                index += 1
            }
        }
        throw failure("a string that is never closed")
    }

    private mutating func escape(into text: inout [UInt8], collecting: Bool) throws(EventRejection) {
        let start = index
        index += 1
        guard index < bytes.count else { throw failure("a string that is never closed") }
        let decoded: UInt8
        switch bytes[index] {
        case 0x22, 0x5C, 0x2F: decoded = bytes[index]  // " \ /
        case 0x62: decoded = 0x08  // b
        case 0x66: decoded = 0x0C  // f
        case 0x6E: decoded = 0x0A  // n
        case 0x72: decoded = 0x0D  // r
        case 0x74: decoded = 0x09  // t
        case 0x75:  // u
            index += 1
            var scalar = try hexQuad(from: start)
            if (0xDC00...0xDFFF).contains(scalar) {
                throw failure("the escape \\u\(hex(scalar)) is a lone low surrogate", at: start)
            }
            if (0xD800...0xDBFF).contains(scalar) {
                guard index + 1 < bytes.count, bytes[index] == 0x5C, bytes[index + 1] == 0x75 else {
                    throw failure(
                        "the escape \\u\(hex(scalar)) is a high surrogate without a low one after it", at: start)
                }
                index += 2
                let low = try hexQuad(from: start)
                guard (0xDC00...0xDFFF).contains(low) else {
                    throw failure(
                        "the escape \\u\(hex(scalar)) is a high surrogate without a low one after it", at: start)
                }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            }
            if collecting, let unicode = Unicode.Scalar(scalar) { text += Array(String(Character(unicode)).utf8) }
            return
        default:
            throw failure(
                "the escape \\\(describeCharacter(bytes[index])) (a string's escapes are \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)",
                at: start)
        }
        if collecting { text.append(decoded) }
        index += 1
    }

    /// Four hex digits of a `\u` escape.
    private mutating func hexQuad(from start: Int) throws(EventRejection) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard index < bytes.count, let digit = hexDigit(bytes[index]) else {
                throw failure("a \\u escape without four hex digits", at: start)
            }
            value = value << 4 | digit
            index += 1
        }
        return value
    }

    /// The length of the well-formed UTF-8 sequence at `index` (Unicode's table 3-7), or a failure.
    private func utf8Sequence() throws(EventRejection) -> Int {
        let lead = bytes[index]
        let width: Int
        var second: ClosedRange<UInt8> = 0x80...0xBF
        switch lead {
        case 0xC2...0xDF: width = 2
        case 0xE0: (width, second) = (3, 0xA0...0xBF)
        case 0xE1...0xEC, 0xEE...0xEF: width = 3
        case 0xED: (width, second) = (3, 0x80...0x9F)
        case 0xF0: (width, second) = (4, 0x90...0xBF)
        case 0xF1...0xF3: width = 4
        case 0xF4: (width, second) = (4, 0x80...0x8F)
        default: throw invalidUTF8(count: 1)
        }
        for offset in 1..<width {
            let range = offset == 1 ? second : 0x80...0xBF
            guard index + offset < bytes.count, range.contains(bytes[index + offset]) else {
                throw invalidUTF8(count: offset + 1)
            }
        }
        return width
    }

    private func invalidUTF8(count: Int) -> EventRejection {
        let shown = bytes[index..<min(index + count, bytes.count)].map { "0x" + hex(UInt32($0), digits: 2) }
        return failure(
            "bytes that are not UTF-8 (\(shown.joined(separator: " ")): a stray, overlong, surrogate or cut-short sequence)"
        )
    }

    // MARK: Helpers

    private mutating func skipSpace() {
        while index < bytes.count,
            bytes[index] == 0x20 || bytes[index] == 0x0A || bytes[index] == 0x0D || bytes[index] == 0x09
        {
            index += 1
        }
    }

    private mutating func take(_ byte: UInt8) -> Bool {
        guard index < bytes.count, bytes[index] == byte else { return false }
        index += 1
        return true
    }

    private mutating func skipDigits() {
        while index < bytes.count, isDigit(bytes[index]) { index += 1 }
    }

    private func isDigit(_ byte: UInt8) -> Bool { (0x30...0x39).contains(byte) }

    private func hexDigit(_ byte: UInt8) -> UInt32? {
        switch byte {
        case 0x30...0x39: UInt32(byte - 0x30)
        case 0x41...0x46: UInt32(byte - 0x41 + 10)
        case 0x61...0x66: UInt32(byte - 0x61 + 10)
        default: nil
        }
    }

    private func hex(_ value: UInt32, digits: Int = 4) -> String {
        let text = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, digits - text.count)) + text
    }

    private func describeNext() -> String {
        index < bytes.count ? describe(bytes[index]) : "the end of the input"
    }

    private func describe(_ byte: UInt8) -> String {
        (0x21...0x7E).contains(byte) ? "'\(describeCharacter(byte))'" : "byte 0x\(hex(UInt32(byte), digits: 2))"
    }

    private func describeCharacter(_ byte: UInt8) -> String {
        (0x21...0x7E).contains(byte) ? String(UnicodeScalar(byte)) : "<0x\(hex(UInt32(byte), digits: 2))>"
    }

    private func field(of path: [Step]) -> String {
        var text = ""
        for step in path {
            switch step {
            case .member(let name): text += text.isEmpty ? name : ".\(name)"
            case .element(let index): text += "[\(index)]"
            }
        }
        return text
    }

    /// What is wrong at `offset` (the current byte when absent): about the innermost member or
    /// element, or the value as a whole outside any, or when the input ended (it was cut short).
    private func failure(_ what: String, at offset: Int? = nil) -> EventRejection {
        let detail = "\(what) (byte \(offset ?? index))"
        if path.isEmpty || (offset == nil && index >= bytes.count) {
            return EventRejection(.malformedEvent, "value is not valid JSON: \(detail)")
        }
        return EventRejection(.malformedEvent, field: field(of: path), "is not valid JSON: \(detail)")
    }
}
