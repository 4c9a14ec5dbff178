/// An amount of money in minor units (cents) of one currency. Never a floating-point number.
public struct Money: Codable, Hashable, Sendable, CustomStringConvertible {
    public var amountMinor: Int64
    public var currency: String

    public init(amountMinor: Int64, currency: String) {
        self.amountMinor = amountMinor
        self.currency = currency
    }

    public static func zero(_ currency: String) -> Money { Money(amountMinor: 0, currency: currency) }

    /// The largest single amount an event may carry: 10^15 minor units (ten trillion euros). Totals
    /// are checked separately: an event that would take one past what 64 bits hold is refused.
    public static let maximumMinor: Int64 = 1_000_000_000_000_000

    public var description: String { "\(amountMinor) \(currency) minor units" }
}

/// A running total of money (a campaign's spend or revenue, what a quarter has reserved or given
/// back): the same wire shape as `Money`, but its limit is what 64 bits hold, not one amount's
/// 10^15 — a total grows past any one amount. Events carry totals in this type so that a reader
/// checks each against its own limit (`ValidationRules.requireTotal`).
public struct MoneyTotal: Codable, Hashable, Sendable, CustomStringConvertible {
    public var amountMinor: Int64
    public var currency: String

    public init(amountMinor: Int64, currency: String) {
        self.amountMinor = amountMinor
        self.currency = currency
    }

    /// The largest total: what a signed 64-bit integer holds.
    public static let maximumMinor: Int64 = .max

    public var description: String { "\(amountMinor) \(currency) minor units (total)" }
}

/// Checked addition for totals: nil where the sum leaves what 64 bits hold.
public func checkedSum(_ a: Int64, _ b: Int64) -> Int64? {
    let (sum, overflow) = a.addingReportingOverflow(b)
    return overflow ? nil : sum
}

/// The deployment's one currency: an ISO 4217 code such as `EUR`.
public struct Currency: Hashable, Sendable, CustomStringConvertible {
    public let code: String

    /// Accepts three upper-case ASCII letters; anything else names itself as the problem.
    public init(_ code: String) throws(ConfigurationValueError) {
        guard code.count == 3, code.allSatisfy({ $0.isASCII && $0.isUppercase }) else {
            throw ConfigurationValueError(reason: "must be a three-letter upper-case ISO 4217 code, got '\(code)'")
        }
        self.code = code
    }

    public static let euro = try! Currency("EUR")

    public func money(_ amountMinor: Int64) -> Money { Money(amountMinor: amountMinor, currency: code) }

    public func total(_ amountMinor: Int64) -> MoneyTotal { MoneyTotal(amountMinor: amountMinor, currency: code) }

    public var description: String { code }
}

/// Why a configuration value could not be used.
public struct ConfigurationValueError: Error, Sendable {
    public let reason: String
    public init(reason: String) { self.reason = reason }
}
