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
    public func requireIdentifier(_ value: String, _ field: String) throws(EventRejection) {
        let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { throw EventRejection(.invalidData, field: field, "must not be empty") }
        guard value.utf8.count <= 200 else {
            throw EventRejection(.invalidData, field: field, "must be at most 200 bytes")
        }
    }

    public func requireMoney(_ money: Money, _ field: String, positive: Bool = false) throws(EventRejection) {
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

