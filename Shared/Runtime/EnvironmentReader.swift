import Foundation
import Synchronization
import TriadEvents

/// A configuration value that cannot be used, named by its environment variable.
public struct ConfigurationError: Error, Sendable, CustomStringConvertible {
    public let variable: String
    public let reason: String

    public init(variable: String, reason: String) {
        self.variable = variable
        self.reason = reason
    }

    public var description: String { "\(variable): \(reason)" }
}

/// Reads typed configuration from environment variables with defaults, and remembers every
/// variable it was asked for (so the deployment files can be checked against what the code reads).
public final class EnvironmentReader: Sendable {
    private let values: [String: String]
    private let read = Mutex<[String]>([])
    private let required = Mutex<Set<String>>([])

    public init(_ values: [String: String] = ProcessInfo.processInfo.environment) {
        self.values = values
    }

    /// The variables read so far, in order.
    public var variablesRead: [String] { read.withLock { $0 } }

    /// The variables a deployment must set (their defaults only suit a local run).
    public var variablesRequiredInDeployment: Set<String> { required.withLock { $0 } }

    /// The value as given, nil when unset or empty (`${VAR:-}` in a compose file means "not set").
    /// A value is never trimmed or repaired: one that is only white space, has white space at either
    /// end or holds a control character is refused (a token of spaces must not read as no token).
    private func raw(_ name: String) throws(ConfigurationError) -> String? {
        read.withLock { if !$0.contains(name) { $0.append(name) } }
        guard let value = values[name], !value.isEmpty else { return nil }
        if let problem = Self.problem(ofText: value) { throw ConfigurationError(variable: name, reason: problem) }
        return value
    }

    /// What is wrong with a value's text, if anything; the value itself is not repeated (it may be a secret).
    static func problem(ofText value: String) -> String? {
        let scalars = value.unicodeScalars
        if scalars.allSatisfy(\.properties.isWhitespace) {
            return "is only white space: leave it unset (or empty) for the default"
        }
        if let first = scalars.first, let last = scalars.last, first.properties.isWhitespace || last.properties.isWhitespace {
            return "has white space at its start or end"
        }
        if let control = scalars.first(where: { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) }) {
            return "contains a control character (U+\(String(format: "%04X", control.value)))"
        }
        return nil
    }

    /// Whether the variable is in the environment at all, even empty.
    public func isSet(_ name: String) -> Bool {
        read.withLock { if !$0.contains(name) { $0.append(name) } }
        return values[name] != nil
    }

    public func string(_ name: String, default fallback: String, requiredInDeployment: Bool = false) throws(ConfigurationError)
        -> String
    {
        if requiredInDeployment { required.withLock { _ = $0.insert(name) } }
        return try raw(name) ?? fallback
    }

    /// A secret (token, password): read like any value, never logged.
    public func secret(_ name: String, requiredInDeployment: Bool = false) throws(ConfigurationError) -> String? {
        if requiredInDeployment { required.withLock { _ = $0.insert(name) } }
        return try raw(name)
    }

    public func optionalString(_ name: String) throws(ConfigurationError) -> String? { try raw(name) }

    public func integer(_ name: String, default fallback: Int64, in range: ClosedRange<Int64>) throws(ConfigurationError)
        -> Int64
    {
        guard let text = try raw(name) else { return fallback }
        guard let value = Int64(text) else {
            throw ConfigurationError(variable: name, reason: "must be an integer, got '\(text)'")
        }
        guard range.contains(value) else {
            throw ConfigurationError(
                variable: name, reason: "must be between \(range.lowerBound) and \(range.upperBound), got \(value)")
        }
        return value
    }

    /// A TCP port to listen on or connect to: 1–65535 (0 would mean "any free port").
    public func port(_ name: String, default fallback: Int) throws(ConfigurationError) -> Int {
        Int(try integer(name, default: Int64(fallback), in: 1...65_535))
    }

    public func boolean(_ name: String, default fallback: Bool) throws(ConfigurationError) -> Bool {
        guard let text = try raw(name) else { return fallback }
        switch text.lowercased() {
        case "1", "true", "yes", "on": return true
        case "0", "false", "no", "off": return false
        default: throw ConfigurationError(variable: name, reason: "must be true or false, got '\(text)'")
        }
    }

    public func currency(_ name: String, default fallback: Currency) throws(ConfigurationError) -> Currency {
        guard let text = try raw(name) else { return fallback }
        do {
            return try Currency(text)
        } catch {
            throw ConfigurationError(variable: name, reason: error.reason)
        }
    }

    /// A choice among fixed words.
    public func choice<T: RawRepresentable & CaseIterable>(_ name: String, default fallback: T) throws(ConfigurationError)
        -> T where T.RawValue == String
    {
        guard let text = try raw(name) else { return fallback }
        guard let value = T(rawValue: text.lowercased()) else {
            let allowed = T.allCases.map(\.rawValue).joined(separator: ", ")
            throw ConfigurationError(variable: name, reason: "must be one of \(allowed), got '\(text)'")
        }
        return value
    }
}
