import TriadEvents

/// The codec's fast path for reading the high-volume events (customer interactions, ad spend,
/// attributed conversions of either schema version): one pass over the UTF-8 bytes straight into the payload types, without
/// Codable's machinery. It reads the common shape only and gives up (nil) on anything else — escapes in
/// strings, fractions or exponents, unknown enum values, repeated keys, other event types, and
/// anything in a skipped member that is not plainly strict JSON — and the codec then checks the
/// message with `StrictJSON` and reads it with `JSONDecoder`, which name what is wrong. So both
/// paths accept exactly the same messages with the same result (a test compares them).
enum EventScanner {
    /// A structured-mode message: its attributes and, for the event types read here, its payload.
    static func structured(_ value: [UInt8]) -> (attributes: CloudEventAttributes, payload: DomainEvent)? {
        value.withUnsafeBufferPointer { bytes -> (CloudEventAttributes, DomainEvent)? in
            var scanner = JSONScanner(bytes: bytes)
            var attributes = CloudEventAttributes()
            var data: Range<Int>?
            var seen = KeysSeen()
            let read = scanner.object { key, scanner in
                guard seen.first(key) else { return false }
                switch key {
                case "specversion": return scanner.attribute(&attributes.specversion)
                case "id": return scanner.attribute(&attributes.id)
                case "source": return scanner.attribute(&attributes.source)
                case "type": return scanner.attribute(&attributes.type)
                case "time": return scanner.attribute(&attributes.time)
                case "subject": return scanner.attribute(&attributes.subject)
                case "schemaversion": return scanner.attribute(&attributes.schemaversion)
                case "correlationid": return scanner.attribute(&attributes.correlationid)
                case "causationid": return scanner.attribute(&attributes.causationid)
                case "traceparent": return scanner.attribute(&attributes.traceparent)
                case "data":
                    let start = scanner.index
                    guard scanner.skipValue() else { return false }
                    data = start..<scanner.index
                    return true
                default: return scanner.skipValue()
                }
            }
            guard read, scanner.atEnd, let data, let type = attributes.type.flatMap(EventType.init(rawValue:)),
                let payload = payload(type, UnsafeBufferPointer(rebasing: bytes[data]))
            else { return nil }
            return (attributes, payload)
        }
    }

    /// A payload on its own (binary mode, or the `data` member of a structured message).
    static func payload(_ type: EventType, _ value: [UInt8]) -> DomainEvent? {
        value.withUnsafeBufferPointer { payload(type, $0) }
    }

    private static func payload(_ type: EventType, _ bytes: UnsafeBufferPointer<UInt8>) -> DomainEvent? {
        var scanner = JSONScanner(bytes: bytes)
        let event: DomainEvent?
        switch type {
        case .customerInteraction: event = scanner.interaction().map { .customerInteraction($0) }
        case .adSpendReported: event = scanner.adSpend().map { .adSpendReported($0) }
        case .conversionAttributed: event = scanner.conversion().map { .conversionAttributed($0) }
        default: return nil
        }
        return scanner.atEnd ? event : nil
    }
}

// MARK: - Payloads

/// The catalog's payload types as the fast path reads them.
extension JSONScanner {
    /// Reads a member with `read` into `target`; false (give up) when it is not what `read` expects.
    fileprivate mutating func member<T>(_ target: inout T?, _ read: (inout JSONScanner) -> T?) -> Bool {
        target = read(&self)
        return target != nil
    }

    fileprivate mutating func optionalString(_ target: inout String?) -> Bool {
        if null() { return true }
        guard let text = string() else { return false }
        target = text
        return true
    }

    fileprivate mutating func timestamp() -> Timestamp? { string().flatMap(Timestamp.init(iso8601:)) }

    fileprivate mutating func money() -> Money? {
        var amount: Int64?
        var currency: String?
        var seen = KeysSeen()
        let read = object { key, scanner in
            guard seen.first(key) else { return false }
            switch key {
            case "amountMinor": return scanner.member(&amount) { $0.integer() }
            case "currency": return scanner.member(&currency) { $0.string() }
            default: return scanner.skipValue()
            }
        }
        guard read, let amount, let currency else { return nil }
        return Money(amountMinor: amount, currency: currency)
    }

    fileprivate mutating func optionalMoney(_ target: inout Money?) -> Bool {
        if null() { return true }
        return member(&target) { $0.money() }
    }

    mutating func interaction() -> CustomerInteraction? {
        var customerId: String?
        var kind: InteractionKind?
        var occurredAt: Timestamp?
        var campaignId: String?
        var channel: Channel?
        var segment: String?
        var orderId: String?
        var revenue: Money?
        var seen = KeysSeen()
        let read = object { key, scanner in
            guard seen.first(key) else { return false }
            switch key {
            case "customerId": return scanner.member(&customerId) { $0.string() }
            case "kind": return scanner.member(&kind) { $0.string().flatMap(InteractionKind.init(rawValue:)) }
            case "occurredAt": return scanner.member(&occurredAt) { $0.timestamp() }
            case "campaignId": return scanner.optionalString(&campaignId)
            case "channel":
                if scanner.null() { return true }
                return scanner.member(&channel) { $0.string().flatMap(Channel.init(rawValue:)) }
            case "segment": return scanner.optionalString(&segment)
            case "orderId": return scanner.optionalString(&orderId)
            case "revenue": return scanner.optionalMoney(&revenue)
            default: return scanner.skipValue()
            }
        }
        guard read, let customerId, let kind, let occurredAt else { return nil }
        return CustomerInteraction(
            customerId: customerId, kind: kind, occurredAt: occurredAt, campaignId: campaignId, channel: channel,
            segment: segment, orderId: orderId, revenue: revenue)
    }

    mutating func adSpend() -> AdSpendReported? {
        var campaignId: String?
        var amount: Money?
        var occurredAt: Timestamp?
        var platform: String?
        var seen = KeysSeen()
        let read = object { key, scanner in
            guard seen.first(key) else { return false }
            switch key {
            case "campaignId": return scanner.member(&campaignId) { $0.string() }
            case "amount": return scanner.member(&amount) { $0.money() }
            case "occurredAt":
                if scanner.null() { return true }
                return scanner.member(&occurredAt) { $0.timestamp() }
            case "platform": return scanner.optionalString(&platform)
            default: return scanner.skipValue()
            }
        }
        guard read, let campaignId, let amount else { return nil }
        return AdSpendReported(campaignId: campaignId, amount: amount, occurredAt: occurredAt, platform: platform)
    }

    mutating func conversion() -> ConversionAttributed? {
        var campaignId: String?
        var orderId: String?
        var customerId: String?
        var revenue: Money?
        var occurredAt: Timestamp?
        var credits: CreditsByModel?
        var seen = KeysSeen()
        let read = object { key, scanner in
            guard seen.first(key) else { return false }
            switch key {
            case "campaignId": return scanner.member(&campaignId) { $0.string() }
            case "credits": return scanner.member(&credits) { $0.credits() }
            case "orderId": return scanner.member(&orderId) { $0.string() }
            case "customerId": return scanner.member(&customerId) { $0.string() }
            case "revenue": return scanner.member(&revenue) { $0.money() }
            case "occurredAt": return scanner.member(&occurredAt) { $0.timestamp() }
            default: return scanner.skipValue()
            }
        }
        guard read, let campaignId, let orderId, let customerId, let revenue, let occurredAt else { return nil }
        // Absent in a version-1 payload, as `ConversionAttributed.init(from:)` reads it.
        return ConversionAttributed(
            campaignId: campaignId, orderId: orderId, customerId: customerId, revenue: revenue, occurredAt: occurredAt,
            credits: credits ?? [:])
    }

    /// An order's credits: keyed by model name (another name gives up), each a list of credits.
    fileprivate mutating func credits() -> CreditsByModel? {
        var credits: CreditsByModel = [:]
        let read = object { key, scanner in
            guard let model = AttributionModel(rawValue: key), credits[model] == nil else { return false }
            var list: [CampaignCredit] = []
            guard
                scanner.array({ scanner in
                    guard let credit = scanner.credit() else { return false }
                    list.append(credit)
                    return true
                })
            else { return false }
            credits[model] = list
            return true
        }
        return read ? credits : nil
    }

    fileprivate mutating func credit() -> CampaignCredit? {
        var campaignId: String?
        var bps: Int64?
        var revenue: Money?
        var seen = KeysSeen()
        let read = object { key, scanner in
            guard seen.first(key) else { return false }
            switch key {
            case "campaignId": return scanner.member(&campaignId) { $0.string() }
            case "bps": return scanner.member(&bps) { $0.integer() }
            case "revenue": return scanner.member(&revenue) { $0.money() }
            default: return scanner.skipValue()
            }
        }
        guard read, let campaignId, let bps, let revenue else { return nil }
        return CampaignCredit(campaignId: campaignId, bps: bps, revenue: revenue)
    }
}
