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
