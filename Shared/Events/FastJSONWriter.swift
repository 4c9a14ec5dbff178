/// The codec's fast path for writing the events a service emits once per input event (IT's
/// attributed conversions): the structured-mode CloudEvent written straight into bytes, without
/// Codable's machinery. It writes what `JSONEncoder` writes with sorted keys and unescaped slashes,
/// byte for byte (a test compares the two on many events); other types go through `JSONEncoder`.
enum FastJSONWriter {
    static func structured(_ event: OutgoingEvent) -> [UInt8]? {
        switch event.event {
        case .conversionAttributed(let conversion):
            return envelope(event, type: .conversionAttributed, subject: conversion.subject) { out in
                out.open()
                out.member("campaignId", conversion.campaignId)
                out.member("customerId", conversion.customerId)
                out.member("occurredAt", conversion.occurredAt.iso8601)
                out.member("orderId", conversion.orderId)
                out.member("revenue", conversion.revenue)
                out.close()
            }
        default:
            return nil
        }
    }

    /// The CloudEvents attributes around `data`, keys in sorted order; absent optionals left out.
    private static func envelope(
        _ event: OutgoingEvent, type: EventType, subject: String, data: (inout JSONBytes) -> Void
    ) -> [UInt8] {
        var out = JSONBytes()
        out.open()
        if let causationId = event.causationId { out.member("causationid", causationId) }
        if let correlationId = event.correlationId { out.member("correlationid", correlationId) }
        out.key("data")
        data(&out)
        out.member("datacontenttype", CloudEventHeaders.jsonContentType)
        out.member("id", event.id)
        out.member("schemaversion", Int64(type.currentVersion))
        out.member("source", event.source)
        out.member("specversion", "1.0")
        out.member("subject", subject)
        out.member("time", event.time.iso8601)
        if let traceparent = event.traceparent { out.member("traceparent", traceparent) }
        out.member("type", type.rawValue)
        out.close()
        return out.bytes
    }
}

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

    mutating func key(_ name: String) {
        if afterValue { bytes.append(0x2C) }  // ,
        string(name)
        bytes.append(0x3A)  // :
        afterValue = false
    }

    mutating func member(_ name: String, _ value: String) {
        key(name)
        string(value)
        afterValue = true
    }

    mutating func member(_ name: String, _ value: Int64) {
        key(name)
        bytes.append(contentsOf: String(value).utf8)
        afterValue = true
    }

    mutating func member(_ name: String, _ value: Money) {
        key(name)
        open()
        member("amountMinor", value.amountMinor)
        member("currency", value.currency)
        close()
    }

    private static let hex = Array("0123456789abcdef".utf8)

    /// A string: quote, backslash and control characters escaped (the short forms JSON has, else
    /// `\u00XX`); everything else, `/` and non-ASCII included, as it is.
    private mutating func string(_ value: String) {
        bytes.append(0x22)
        // Most strings need no escape: copied at once.
        if !value.utf8.contains(where: { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C }) {
            bytes.append(contentsOf: value.utf8)
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
            case 0..<0x20: bytes.append(contentsOf: [0x5C, 0x75, 0x30, 0x30, Self.hex[Int(byte >> 4)], Self.hex[Int(byte & 0xF)]])
            default: bytes.append(byte)
            }
        }
        bytes.append(0x22)
    }
}
