import Configuration
import Foundation
import Synchronization
import TriadEvents

/// Reading the variables of `EnvironmentVariable.all` through swift-configuration's environment
/// provider. Each is read as text and checked against its rule here, so that a bad value is refused
/// naming the variable and what is wrong (swift-configuration's typed getters would fall back to the
/// default instead). Empty is the same as unset (`${VAR:-}` in a compose file means "not set").
extension ConfigReader {
    /// A reader of `values`, by default the process's environment; the secret variables are redacted
    /// in the provider's description and in access reports.
    public static func environment(
        _ values: [String: String] = ProcessInfo.processInfo.environment, accessReporter: (any AccessReporter)? = nil
    ) -> ConfigReader {
        let secrets = Set(EnvironmentVariable.all.filter(\.isSecret).map(\.name))
        let provider = EnvironmentVariablesProvider(environmentVariables: values, secretsSpecifier: .specific(secrets))
        return ConfigReader(provider: provider, accessReporter: accessReporter)
    }

    /// The value as given, even empty; nil when the variable is not in the environment.
    private func given(_ variable: EnvironmentVariable) -> String? {
        string(forKey: ConfigKey([variable.name]), isSecret: variable.isSecret)
    }

    /// Whether the variable is in the environment at all, even empty.
    func isSet(_ name: String) -> Bool {
        given(.named(name)) != nil
    }

    /// The value as given when it is set and satisfies its rule, else `fallback`, else the variable's
    /// own default; nil when unset and without a default (the setting is off).
    public func optionalText(_ name: String, default fallback: String? = nil) throws(ConfigurationError) -> String? {
        let variable = EnvironmentVariable.named(name)
        guard let value = given(variable), !value.isEmpty else { return fallback ?? variable.defaultValue }
        if let problem = variable.problem(of: value) { throw ConfigurationError(variable: name, reason: problem) }
        return value
    }

    /// A variable with a default: `fallback` when the code computes it.
    public func text(_ name: String, default fallback: String? = nil) throws(ConfigurationError) -> String {
        guard let value = try optionalText(name, default: fallback) else {
            preconditionFailure("\(name) has no default")
        }
        return value
    }

    /// An `.integer` variable; `fallback` when the default is computed.
    public func integer(_ name: String, default fallback: Int64? = nil) throws(ConfigurationError) -> Int64 {
        guard let value = Int64(try text(name, default: fallback.map(String.init))) else {
            preconditionFailure("\(name) has no integer default")
        }
        return value
    }

    /// A `.flag` variable.
    public func flag(_ name: String) throws(ConfigurationError) -> Bool {
        guard let value = EnvironmentVariable.Rule.flagValue(try text(name)) else {
            preconditionFailure("\(name) has no flag default")
        }
        return value
    }

    /// A `.choice` variable whose words are the raw values of `T`.
    public func choice<T: RawRepresentable>(_ name: String, as type: T.Type = T.self) throws(ConfigurationError) -> T
    where T.RawValue == String {
        guard let value = T(rawValue: try text(name).lowercased()) else {
            preconditionFailure("\(name) has no default among \(T.self)")
        }
        return value
    }

    /// A `.currency` variable.
    public func currency(_ name: String) throws(ConfigurationError) -> Currency {
        let code = try text(name)
        guard let currency = try? Currency(code) else {
            preconditionFailure("\(name) has no currency default")
        }
        return currency
    }
}

/// Records the names of the variables a reader was asked for (`ConfigReader.environment(accessReporter:)`).
public final class VariablesRead: AccessReporter {
    private let read = Mutex<[String]>([])

    public init() {}

    /// The names asked for, in the order first asked.
    public var names: [String] { read.withLock { $0 } }

    public func report(_ event: AccessEvent) {
        let name = event.metadata.key.components.joined(separator: "_")
        read.withLock { if !$0.contains(name) { $0.append(name) } }
    }
}
