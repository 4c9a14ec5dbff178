import TriadEvents

/// JSON text being written as `JSONEncoder` writes it without pretty printing; the caller opens
/// and closes objects and keeps their keys sorted.
struct JSONBytes {
    private(set) var bytes: [UInt8] = []
    /// Whether a value was just written, so the next key needs a comma.
    private var afterValue = false

    init() { bytes.reserveCapacity(512) }

    mutating func open() {
        bytes.append(0x7B)  // {
        afterValue = false
    }

    mutating func close() {
        bytes.append(0x7D)  // }
        afterValue = true
    }

    /// A key known when the code is written: its bytes copied as they are (no name needs escaping).
    mutating func key(_ name: StaticString) {
        if afterValue { bytes.append(0x2C) }  // ,
        bytes.append(0x22)
        name.withUTF8Buffer { bytes.append(contentsOf: $0) }
        bytes.append(0x22)
        bytes.append(0x3A)  // :
        afterValue = false
    }

    mutating func member(_ name: StaticString, _ value: String) {
        key(name)
        string(value)
        afterValue = true
    }

    mutating func member(_ name: StaticString, _ value: Int64) {
        key(name)
        integer(value)
        afterValue = true
    }

    mutating func member(_ name: StaticString, _ value: Money) {
        key(name)
        open()
        member("amountMinor", value.amountMinor)
        member("currency", value.currency)
        close()
    }

    /// An order's credits: the models present, by name in sorted order as `JSONEncoder` sorts keys,
    /// each list as it is.
    mutating func member(_ name: StaticString, _ credits: CreditsByModel) {
        key(name)
        open()
        // About 80 bytes an entry ({"bps":…,"campaignId":"…","revenue":{"amountMinor":…,"currency":"…"}}):
        // room for them at once rather than by doubling as they come.
        bytes.reserveCapacity(bytes.count + 80 * credits.values.reduce(0) { $0 + $1.count } + 100)
        for (model, key) in Self.modelKeys {
            guard let list = credits[model] else { continue }
            if afterValue { bytes.append(0x2C) }  // ,
            bytes.append(contentsOf: key)
            bytes.append(0x5B)  // [
            for (index, credit) in list.enumerated() {
                if index > 0 { bytes.append(0x2C) }  // ,
                open()
                member("bps", credit.bps)
                member("campaignId", credit.campaignId)
                member("revenue", credit.revenue)
                close()
            }
            bytes.append(0x5D)  // ]
            afterValue = true
        }
        close()
    }

    /// The models by name, the order of a dictionary's keys in sorted-keys JSON, each with its key
    /// as written (`"name":`).
    private static let modelKeys = AttributionModel.allCases.sorted { $0.rawValue < $1.rawValue }.map {
        ($0, Array("\"\($0.rawValue)\":".utf8))
    }

    /// An integer in decimal, as `String(value)` writes it.
    private mutating func integer(_ value: Int64) { bytes.appendDecimal(value) }

    private static let hex = Array("0123456789abcdef".utf8)

    /// A string: quote, backslash and control characters escaped (the short forms JSON has, else
    /// `\u00XX`); everything else, `/` and non-ASCII included, as it is.
    private mutating func string(_ value: String) {
        bytes.append(0x22)
        // Most strings need no escape: copied at once (from their contiguous bytes when they have them).
        let plain = { (byte: UInt8) in byte >= 0x20 && byte != 0x22 && byte != 0x5C }
        let copied: Bool? = value.utf8.withContiguousStorageIfAvailable { buffer in
            guard buffer.allSatisfy(plain) else { return false }
            bytes.append(contentsOf: buffer)
            return true
        }
        if copied ?? value.utf8.allSatisfy(plain) {
            if copied == nil { bytes.append(contentsOf: value.utf8) }
            bytes.append(0x22)
            return
        }
        for byte in value.utf8 {
            switch byte {
            case 0x22: bytes.append(contentsOf: [0x5C, 0x22])
            case 0x5C: bytes.append(contentsOf: [0x5C, 0x5C])
            case 0x08: bytes.append(contentsOf: [0x5C, 0x62])  // \b
            case 0x0C: bytes.append(contentsOf: [0x5C, 0x66])  // \f
            case 0x0A: bytes.append(contentsOf: [0x5C, 0x6E])  // \n
            case 0x0D: bytes.append(contentsOf: [0x5C, 0x72])  // \r
            case 0x09: bytes.append(contentsOf: [0x5C, 0x74])  // \t
            case 0..<0x20:
                bytes.append(contentsOf: [0x5C, 0x75, 0x30, 0x30, Self.hex[Int(byte >> 4)], Self.hex[Int(byte & 0xF)]])
            default: bytes.append(byte)
            }
        }
        bytes.append(0x22)
    }
}
