import Foundation

/// Why an incoming event was refused. Every refusal names the offending field (where there is one)
/// and says what is wrong with it; services put `description` into the dead-letter reason header.
public struct EventRejection: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable, CaseIterable {
        case malformedEvent = "malformed-event"
        case missingAttribute = "missing-attribute"
        case unsupportedSpecVersion = "unsupported-specversion"
        case unknownType = "unknown-type"
        case wrongTopic = "wrong-topic"
        case unsupportedSchemaVersion = "unsupported-schema-version"
        case invalidData = "invalid-data"
        case wrongCurrency = "wrong-currency"
        case ruleViolation = "rule-violation"
        /// Applying the event would take a total past what the service can hold.
        case totalOverflow = "total-overflow"
        /// The stored state the event needs cannot be read back (the event is set aside, the rest flows).
        case unreadableState = "unreadable-state"
    }

    public let code: Code
    public let field: String?
    public let reason: String

    public init(_ code: Code, field: String? = nil, _ reason: String) {
        self.code = code
        self.field = field
        self.reason = reason
    }

    public var description: String {
        if let field { return "\(code.rawValue): \(field): \(reason)" }
        return "\(code.rawValue): \(reason)"
    }
}

/// The rules every payload is checked against besides its own shape.
public struct ValidationRules: Sendable {
    public let currency: Currency

    public init(currency: Currency) { self.currency = currency }
}

/// Small checks that payloads compose in their `validate(_:)`.
extension ValidationRules {
    /// An identifier: 1 to 200 bytes of UTF-8, not only white space, and no control characters
    /// (U+0000–U+001F, U+007F–U+009F), which databases, logs and headers treat specially.
    public func requireIdentifier(_ value: String, _ field: String) throws(EventRejection) {
        var bytes = 0
        var visible = false
        for scalar in value.unicodeScalars {
            bytes += UTF8.width(scalar)
            switch scalar.value {
            case 0x00...0x1F, 0x7F...0x9F:
                let hex = String(scalar.value, radix: 16, uppercase: true)
                throw EventRejection(
                    .invalidData, field: field,
                    "must not contain control characters (found U+\(String(repeating: "0", count: 4 - hex.count) + hex))")
            case 0x20, 0xA0, 0x1680, 0x2000...0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000:
                break
            default:
                visible = true
            }
        }
        guard visible else { throw EventRejection(.invalidData, field: field, "must not be empty") }
        guard bytes <= 200 else { throw EventRejection(.invalidData, field: field, "must be at most 200 bytes") }
    }

    public func requireMoney(_ money: Money, _ field: String, positive: Bool = false) throws(EventRejection) {
        guard money.amountMinor <= Money.maximumMinor else {
            throw EventRejection(
                .invalidData, field: "\(field).amountMinor", "must be at most \(Money.maximumMinor) (one amount's upper bound)")
        }
        guard money.currency == currency.code else {
            throw EventRejection(
                .wrongCurrency, field: "\(field).currency",
                "is \(money.currency) but this deployment books \(currency.code) only (no FX conversion)")
        }
        if positive {
            guard money.amountMinor > 0 else {
                throw EventRejection(.invalidData, field: "\(field).amountMinor", "must be greater than 0")
            }
        } else {
            guard money.amountMinor >= 0 else {
                throw EventRejection(.invalidData, field: "\(field).amountMinor", "must not be negative")
            }
        }
    }

    public func requireNonNegative(_ value: Int64, _ field: String) throws(EventRejection) {
        guard value >= 0 else { throw EventRejection(.invalidData, field: field, "must not be negative") }
    }
}

