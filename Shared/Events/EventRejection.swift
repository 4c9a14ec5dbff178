import Foundation
import Synchronization

/// Why an incoming event was refused. Every refusal names the offending field (where there is one)
/// and says what is wrong with it; services put `description` into the dead-letter reason header.
public struct EventRejection: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable, CaseIterable {
        case malformedEvent = "malformed-event"
        case missingAttribute = "missing-attribute"
        case unsupportedSpecVersion = "unsupported-specversion"
        case unknownType = "unknown-type"
        case wrongTopic = "wrong-topic"
        /// A type only a Triad service emits, from another `source` (`EventType.requiredSource`).
        case wrongSource = "wrong-source"
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
    /// When set, every check writes down the rule it stands for and lets the value through: the
    /// contracts (`EventContracts`) learn the rules from the payloads' own `validate(_:)` this way.
    let recorder: RuleRecorder?

    public init(currency: Currency) {
        self.currency = currency
        recorder = nil
    }

    package init(recordingInto recorder: RuleRecorder) {
        currency = .euro
        self.recorder = recorder
    }
}

/// A rule a payload's `validate(_:)` applied to one of its fields, as the contracts describe it.
public enum FieldRule: Equatable, Sendable {
    case identifier(field: String)
    case money(field: String, positive: Bool)
    /// A running total (`MoneyTotal`): 0 … 2^63−1 minor units, the deployment's currency.
    case total(field: String)
    case atLeast(field: String, minimum: Int64)
    case atMost(field: String, maximum: Int64)
    case oneOf(field: String, values: [String])
    /// `field` must be present when `condition` holds `value`.
    case requiredWhen(field: String, condition: String, value: String)
    /// An order's credits (`ValidationRules.requireCredits`): every model, sums exact.
    case credits(field: String)
}

/// Collects the rules `validate(_:)` applies while it runs in recording mode.
package final class RuleRecorder: Sendable {
    private let recorded = Mutex<[FieldRule]>([])
    package init() {}
    func record(_ rule: FieldRule) { recorded.withLock { $0.append(rule) } }
    package var rules: [FieldRule] { recorded.withLock { $0 } }
}

/// Small checks that payloads compose in their `validate(_:)`.
extension ValidationRules {
    /// Code points an identifier may not hold: the C0 and C1 control characters.
    public static let controlCharacters: [ClosedRange<UInt32>] = [0x00...0x1F, 0x7F...0x9F]
    /// White space that does not make an identifier visible (besides the control characters).
    public static let blankCharacters: [ClosedRange<UInt32>] = [
        0x20...0x20, 0xA0...0xA0, 0x1680...0x1680, 0x2000...0x200A, 0x2028...0x2029, 0x202F...0x202F,
        0x205F...0x205F, 0x3000...0x3000,
    ]
    public static let identifierMaxBytes = 200

    /// An identifier: 1 to 200 bytes of UTF-8, not only white space, and no control characters
    /// (U+0000–U+001F, U+007F–U+009F), which databases, logs and headers treat specially.
    public func requireIdentifier(_ value: String, _ field: String) throws(EventRejection) {
        if let recorder { return recorder.record(.identifier(field: field)) }
        var bytes = 0
        var visible = false
        for scalar in value.unicodeScalars {
            bytes += UTF8.width(scalar)
            if (0x21...0x7E).contains(scalar.value) {
                visible = true
            } else if Self.controlCharacters.contains(where: { $0.contains(scalar.value) }) {
                let hex = String(scalar.value, radix: 16, uppercase: true)
                throw EventRejection(
                    .invalidData, field: field,
                    "must not contain control characters (found U+\(String(repeating: "0", count: 4 - hex.count) + hex))"
                )
            } else if !Self.blankCharacters.contains(where: { $0.contains(scalar.value) }) {
                visible = true
            }
        }
        guard visible else { throw EventRejection(.invalidData, field: field, "must not be empty") }
        guard bytes <= Self.identifierMaxBytes else {
            throw EventRejection(.invalidData, field: field, "must be at most \(Self.identifierMaxBytes) bytes")
        }
    }

    public func requireMoney(_ money: Money, _ field: String, positive: Bool = false) throws(EventRejection) {
        if let recorder { return recorder.record(.money(field: field, positive: positive)) }
        guard money.amountMinor <= Money.maximumMinor else {
            throw EventRejection(
                .invalidData, field: "\(field).amountMinor",
                "must be at most \(Money.maximumMinor) (one amount's upper bound)")
        }
        try requireCurrency(money.currency, field)
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

    /// A running total: never negative, any size 64 bits hold, the deployment's currency.
    public func requireTotal(_ total: MoneyTotal, _ field: String) throws(EventRejection) {
        if let recorder { return recorder.record(.total(field: field)) }
        try requireCurrency(total.currency, field)
        guard total.amountMinor >= 0 else {
            throw EventRejection(.invalidData, field: "\(field).amountMinor", "must not be negative")
        }
    }

    private func requireCurrency(_ code: String, _ field: String) throws(EventRejection) {
        guard code == currency.code else {
            throw EventRejection(
                .wrongCurrency, field: "\(field).currency",
                "is \(code) but this deployment books \(currency.code) only (no FX conversion)")
        }
    }

    public func requireNonNegative(_ value: Int64, _ field: String) throws(EventRejection) {
        try requireAtLeast(value, 0, field)
    }

    public func requireAtLeast(_ value: Int64, _ minimum: Int64, _ field: String) throws(EventRejection) {
        if let recorder { return recorder.record(.atLeast(field: field, minimum: minimum)) }
        guard value >= minimum else {
            throw EventRejection(
                .invalidData, field: field,
                minimum == 0 ? "must not be negative" : "must be \(minimum) or more, got \(value)")
        }
    }

    public func requireAtMost(_ value: Int64, _ maximum: Int64, _ field: String) throws(EventRejection) {
        if let recorder { return recorder.record(.atMost(field: field, maximum: maximum)) }
        guard value <= maximum else {
            throw EventRejection(.invalidData, field: field, "must be \(maximum) or less, got \(value)")
        }
    }

    /// A value of an enumeration that this field narrows to `allowed`.
    public func requireOneOf<Value: RawRepresentable & Equatable>(
        _ value: Value, _ allowed: [Value], _ field: String, _ reason: @autoclosure () -> String
    ) throws(EventRejection) where Value.RawValue == String {
        if let recorder { return recorder.record(.oneOf(field: field, values: allowed.map(\.rawValue))) }
        guard allowed.contains(value) else { throw EventRejection(.invalidData, field: field, reason()) }
    }

    /// A field that one value of another field makes required (an order id for a purchase).
    /// Returns the value when the condition holds (always while recording), for further checks.
    public func require<Value, Kind: RawRepresentable & Equatable>(
        _ value: Value?, _ field: String, when condition: String, is expected: Kind, given actual: Kind
    ) throws(EventRejection) -> Value? where Kind.RawValue == String {
        if let recorder {
            recorder.record(.requiredWhen(field: field, condition: condition, value: expected.rawValue))
            return value
        }
        guard actual == expected else { return nil }
        guard let value else {
            throw EventRejection(.invalidData, field: field, "is required for a \(expected.rawValue)")
        }
        return value
    }
}
