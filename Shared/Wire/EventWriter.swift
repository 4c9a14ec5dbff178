import TriadEvents

/// The codec's fast path for writing the events a service emits once per input event (IT's
/// attributed conversions and acquired customers): the structured-mode CloudEvent written straight
/// into bytes, without Codable's machinery. It writes what `JSONEncoder` writes with sorted keys and
/// unescaped slashes, byte for byte (a test compares the two on many events); other types go through
/// `JSONEncoder`.
enum EventWriter {
    static func structured(_ event: OutgoingEvent) -> [UInt8]? {
        switch event.event {
        case .conversionAttributed(let conversion):
            return envelope(event, type: .conversionAttributed, subject: conversion.subject) { out in
                out.open()
                out.member("campaignId", conversion.campaignId)
                out.member("credits", conversion.credits)
                out.member("customerId", conversion.customerId)
                out.member("occurredAt", conversion.occurredAt.iso8601)
                out.member("orderId", conversion.orderId)
                out.member("revenue", conversion.revenue)
                out.close()
            }
        case .customerAcquired(let acquired):
            return envelope(event, type: .customerAcquired, subject: acquired.subject) { out in
                out.open()
                if let campaignId = acquired.campaignId { out.member("campaignId", campaignId) }
                out.member("customerId", acquired.customerId)
                out.member("occurredAt", acquired.occurredAt.iso8601)
                out.member("orderId", acquired.orderId)
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
