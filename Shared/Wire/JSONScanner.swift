/// A cursor over JSON text. Every reader returns nil or false where the fast path gives up.
struct JSONScanner {
    let bytes: UnsafeBufferPointer<UInt8>
    var index = 0
    private var depth = 0

    init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    var atEnd: Bool {
        mutating get {
            skipSpace()
            return index == bytes.count
        }
    }

    mutating func skipSpace() {
        while index < bytes.count,
            bytes[index] == 0x20 || bytes[index] == 0x0A || bytes[index] == 0x0D || bytes[index] == 0x09
        {
            index += 1
        }
    }

    private mutating func take(_ byte: UInt8) -> Bool {
        skipSpace()
        guard index < bytes.count, bytes[index] == byte else { return false }
        index += 1
        return true
    }

    private mutating func take(literal: StaticString) -> Bool {
        skipSpace()
        let count = literal.utf8CodeUnitCount
        guard index + count <= bytes.count else { return false }
        for offset in 0..<count where bytes[index + offset] != literal.utf8Start[offset] { return false }
        index += count
        return true
    }

    /// An object, handing each key to `field`, which reads (or skips) the value.
    mutating func object(_ field: (String, inout JSONScanner) -> Bool) -> Bool {
        guard take(0x7B) else { return false }  // {
        if take(0x7D) { return true }  // }
        while true {
            guard let key = string(), take(0x3A), field(key, &self) else { return false }  // :
            if take(0x2C) { continue }  // ,
            return take(0x7D)
        }
    }

    /// An array, handing each element to `element`, which reads it.
    mutating func array(_ element: (inout JSONScanner) -> Bool) -> Bool {
        guard take(0x5B) else { return false }  // [
        if take(0x5D) { return true }  // ]
        while true {
            guard element(&self) else { return false }
            if take(0x2C) { continue }  // ,
            return take(0x5D)
        }
    }

    /// A string without escapes (left to JSONDecoder) or control characters, as valid UTF-8.
    mutating func string() -> String? {
        guard take(0x22), let found = stringEnd(skippingEscapes: false) else { return nil }  // "
        // ASCII is valid UTF-8 as it is; anything else is validated (the generic validation costs
        // more than the scan).
        return found.ascii
            ? String(decoding: found.text, as: UTF8.self) : String(validating: found.text, as: UTF8.self)
    }

    /// Scans a string's text up to and past its closing quote (the opening one taken): the text as
    /// written and whether it is all ASCII; nil at a control character, at the end of the input, or
    /// at an escape unless `skippingEscapes` (then an escape must be well formed).
    private mutating func stringEnd(skippingEscapes: Bool) -> (text: UnsafeBufferPointer<UInt8>, ascii: Bool)? {
        let start = index
        var ascii = true
        while index < bytes.count {
            let byte = bytes[index]
            if byte == 0x22 {
                defer { index += 1 }
                return (UnsafeBufferPointer(rebasing: bytes[start..<index]), ascii)
            }
            if byte < 0x20 { return nil }
            if byte >= 0x80 { ascii = false }
            if byte == 0x5C {
                guard skippingEscapes, skipEscape() else { return nil }
            } else {
                index += 1
            }
        }
        return nil
    }

    /// An integer written as one (no fraction or exponent) that fits 64 bits.
    mutating func integer() -> Int64? {
        skipSpace()
        var negative = false
        if index < bytes.count, bytes[index] == 0x2D {  // -
            negative = true
            index += 1
        }
        let start = index
        var value: Int64 = 0
        while index < bytes.count, bytes[index] >= 0x30, bytes[index] <= 0x39 {
            let digit = Int64(bytes[index] - 0x30)
            let (times, o1) = value.multipliedReportingOverflow(by: 10)
            let (sum, o2) = negative ? times.subtractingReportingOverflow(digit) : times.addingReportingOverflow(digit)
            guard !o1, !o2 else { return nil }
            value = sum
            index += 1
        }
        let digits = index - start
        guard digits > 0, !(digits > 1 && bytes[start] == 0x30) else { return nil }
        // . e E
        if index < bytes.count, bytes[index] == 0x2E || bytes[index] == 0x65 || bytes[index] == 0x45 { return nil }
        return value
    }

    mutating func null() -> Bool {
        let saved = index
        if take(literal: "null") { return true }
        index = saved
        return false
    }

    /// A CloudEvents attribute as the codec reads it: a string, an integer written as text, or null.
    mutating func attribute(_ target: inout String?) -> Bool {
        if null() {
            target = nil
            return true
        }
        skipSpace()
        guard index < bytes.count else { return false }
        if bytes[index] == 0x22 {
            guard let text = string() else { return false }
            target = text
            return true
        }
        guard let number = integer(), let fitting = Int(exactly: number) else { return false }
        target = String(fitting)
        return true
    }

    /// Skips any value (unknown members are ignored), checked as strictly as a value that is read:
    /// anything `StrictJSON` might refuse (a surrogate escape, an exponent, a repeated key) is
    /// left to it, so that it names what is wrong.
    mutating func skipValue() -> Bool {
        skipSpace()
        guard index < bytes.count else { return false }
        switch bytes[index] {
        case 0x22:
            index += 1
            guard let found = stringEnd(skippingEscapes: true) else { return false }
            return found.ascii || String(validating: found.text, as: UTF8.self) != nil
        case 0x7B:
            depth += 1
            defer { depth -= 1 }
            guard depth < 32 else { return false }  // deeper: left to StrictJSON, whose limit counts from the root
            var seen = KeysSeen()
            return object { key, scanner in seen.first(key) && scanner.skipValue() }
        case 0x5B:
            depth += 1
            defer { depth -= 1 }
            guard depth < 32 else { return false }  // deeper: left to StrictJSON, whose limit counts from the root
            index += 1
            if take(0x5D) { return true }
            while true {
                guard skipValue() else { return false }
                if take(0x2C) { continue }
                return take(0x5D)
            }
        case 0x74: return take(literal: "true")
        case 0x66: return take(literal: "false")
        case 0x6E: return take(literal: "null")
        default:
            return skipNumber()
        }
    }

    /// One escape of a skipped string: `\"` `\\` `\/` `\b` `\f` `\n` `\r` `\t`, or `\u` with
    /// four hex digits outside the surrogates (a surrogate pair is left to `StrictJSON`).
    private mutating func skipEscape() -> Bool {
        guard index + 1 < bytes.count else { return false }
        switch bytes[index + 1] {
        case 0x22, 0x5C, 0x2F, 0x62, 0x66, 0x6E, 0x72, 0x74:
            index += 2
            return true
        case 0x75:
            // d D
            guard index + 5 < bytes.count, bytes[index + 2] != 0x64, bytes[index + 2] != 0x44 else { return false }
            for offset in 2...5 {
                switch bytes[index + offset] {
                case 0x30...0x39, 0x41...0x46, 0x61...0x66: continue
                default: return false
                }
            }
            index += 6
            return true
        default:
            return false
        }
    }

    /// A skipped number, by JSON's grammar: `-? (0 | [1-9][0-9]*) (. [0-9]+)?`; one with an exponent
    /// is left to `StrictJSON` (which refuses those past a 64-bit float's range).
    private mutating func skipNumber() -> Bool {
        func digits(_ scanner: inout JSONScanner) -> Int {
            let start = scanner.index
            while scanner.index < scanner.bytes.count, scanner.bytes[scanner.index] >= 0x30,
                scanner.bytes[scanner.index] <= 0x39
            {
                scanner.index += 1
            }
            return scanner.index - start
        }
        if bytes[index] == 0x2D { index += 1 }  // -
        let start = index
        let whole = digits(&self)
        guard whole > 0, whole <= 300, !(whole > 1 && bytes[start] == 0x30) else { return false }
        if index < bytes.count, bytes[index] == 0x2E {  // .
            index += 1
            guard digits(&self) > 0 else { return false }
        }
        return !(index < bytes.count && (bytes[index] == 0x65 || bytes[index] == 0x45))  // e E
    }
}

/// The keys an object had so far, to give up on a repeated one: few keys, so a short list beats a set.
struct KeysSeen {
    private var keys: [String] = []

    init() { keys.reserveCapacity(12) }

    /// False when `key` came before.
    mutating func first(_ key: String) -> Bool {
        if keys.contains(key) { return false }
        keys.append(key)
        return true
    }
}
