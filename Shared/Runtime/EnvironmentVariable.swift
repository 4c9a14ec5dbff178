import Foundation
import TriadEvents

/// One environment variable a service reads: its name, what a value must be, its default and what
/// it means. `EnvironmentVariable.all` lists every one; the reading (`ConfigReader+Environment`),
/// `--list-environment` and the README's Configuration table all come from that list.
public struct EnvironmentVariable: Sendable {
    /// What a value must be. A value is never trimmed or repaired: one that is only white space, has
    /// white space at either end or holds a control character is refused whatever its rule.
    public enum Rule: Sendable {
        /// Any text.
        case text
        /// Text of the form the README shows, checked by `problem` (which never repeats a secret).
        case form(String, problem: @Sendable (String) -> String?)
        /// A whole number in the range.
        case integer(ClosedRange<Int64>)
        /// `true`/`false`, `1`/`0`, `yes`/`no` or `on`/`off`, any case.
        case flag
        /// `true` or `false`, any case (OpenTelemetry's booleans).
        case boolean
        /// One of these words, spelled exactly or, when `anyCase`, in any case.
        case choice([String], anyCase: Bool)
        /// A comma-separated list of these words.
        case list([String])
        /// A number from 0 to 1.
        case ratio
        /// `key=value[,key=value…]`; `secret` values are never repeated in an error.
        case pairs(secret: Bool)
        /// A file that exists.
        case file
        /// An http:// or https:// URL with a host and a port from 1 to 65535.
        case url
        /// A three-letter ISO 4217 code.
        case currency
    }

    public let name: String
    public let rule: Rule
    /// The value used when the variable is unset or empty, as it would be written; nil when there
    /// is none (the setting is off) or the code computes it.
    public let defaultValue: String?
    /// The README's default, when it is not `defaultValue` as written.
    let shownDefault: String?
    /// The README's description.
    public let meaning: String
    /// A secret (token, password, headers): redacted by the provider, never logged or repeated.
    public let isSecret: Bool
    /// A deployment must set it (its default only suits a local run).
    public let isRequiredInDeployment: Bool
    /// The one service that reads it; nil when every service does.
    public let service: Participant?

    init(
        _ name: String, _ rule: Rule, default defaultValue: String? = nil, shown shownDefault: String? = nil,
        secret: Bool = false, required: Bool = false, service: Participant? = nil, _ meaning: String
    ) {
        self.name = name
        self.rule = rule
        self.defaultValue = defaultValue
        self.shownDefault = shownDefault
        self.meaning = meaning
        self.isSecret = secret
        self.isRequiredInDeployment = required
        self.service = service
    }

    /// The variable of `name`; naming one that is not in `all` is a programming error.
    static func named(_ name: String) -> EnvironmentVariable {
        guard let variable = byName[name] else { preconditionFailure("\(name) is not in EnvironmentVariable.all") }
        return variable
    }

    private static let byName = Dictionary(uniqueKeysWithValues: all.map { ($0.name, $0) })

    /// The variables `service` reads, in the table's order.
    public static func read(by service: Participant) -> [EnvironmentVariable] {
        all.filter { $0.service == nil || $0.service == service }
    }

    /// What is wrong with `value`, if anything; the value is repeated only where it cannot be a secret.
    func problem(of value: String) -> String? {
        if let problem = Self.problem(ofText: value) { return problem }
        return rule.problem(of: value)
    }

    /// What is wrong with a value's text whatever its rule, if anything.
    static func problem(ofText value: String) -> String? {
        let scalars = value.unicodeScalars
        if scalars.allSatisfy(\.properties.isWhitespace) {
            return "is only white space: leave it unset (or empty) for the default"
        }
        if let first = scalars.first, let last = scalars.last,
            first.properties.isWhitespace || last.properties.isWhitespace
        {
            return "has white space at its start or end"
        }
        if let control = scalars.first(where: { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) }) {
            return "contains a control character (U+\(String(format: "%04X", control.value)))"
        }
        return nil
    }
}

extension EnvironmentVariable.Rule {
    /// What is wrong with `value` under this rule, if anything.
    func problem(of value: String) -> String? {
        switch self {
        case .text:
            return nil
        case .form(_, let problem):
            return problem(value)
        case .integer(let range):
            guard let number = Int64(value) else { return "must be an integer, got '\(value)'" }
            return range.contains(number)
                ? nil : "must be between \(range.lowerBound) and \(range.upperBound), got \(number)"
        case .flag:
            return Self.flagValue(value) == nil ? "must be true or false, got '\(value)'" : nil
        case .boolean:
            return ["true", "false"].contains(value.lowercased()) ? nil : "must be true or false, got '\(value)'"
        case .choice(let words, let anyCase):
            let word = anyCase ? value.lowercased() : value
            return words.contains(word) ? nil : "must be one of \(words.joined(separator: ", ")), got '\(value)'"
        case .list(let words):
            let items = value.split(separator: ",", omittingEmptySubsequences: false)
            return items.allSatisfy({ words.contains(String($0)) })
                ? nil
                : "must be a comma-separated list of \(words.joined(separator: ", ")) (what this build supports), "
                    + "got '\(value)'"
        case .ratio:
            guard let number = Double(value), number >= 0, number <= 1 else {
                return "must be a number from 0 to 1, got '\(value)'"
            }
            return nil
        case .pairs(let secret):
            guard value.split(separator: ",", omittingEmptySubsequences: false).allSatisfy(Self.isPair) else {
                let shape = "must be key=value[,key=value…] with non-empty keys and values"
                return secret ? shape : shape + ", got '\(value)'"
            }
            return nil
        case .file:
            return FileManager.default.fileExists(atPath: value) ? nil : "must name a file that exists, got '\(value)'"
        case .url:
            guard let url = URL(string: value), let scheme = url.scheme?.lowercased(),
                ["http", "https"].contains(scheme), let host = url.host, !host.isEmpty
            else {
                return "must be an http:// or https:// URL with a host, got '\(value)'"
            }
            if let port = url.port, !(1...65_535).contains(port) {
                return "must have a port from 1 to 65535, got \(port) in '\(value)'"
            }
            return nil
        case .currency:
            do {
                _ = try Currency(value)
                return nil
            } catch {
                return error.reason
            }
        }
    }

    /// A `.flag` value: `true`/`false`, `1`/`0`, `yes`/`no`, `on`/`off`, any case.
    static func flagValue(_ value: String) -> Bool? {
        switch value.lowercased() {
        case "1", "true", "yes", "on": true
        case "0", "false", "no", "off": false
        default: nil
        }
    }

    /// `key=value` with a non-empty value and a key of RFC 9110's token characters (a header or attribute name).
    private static func isPair(_ pair: Substring) -> Bool {
        let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2 else { return false }
        let key = parts[0].trimmingCharacters(in: .whitespaces)
        let item = parts[1].trimmingCharacters(in: .whitespaces)
        let token = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "!#$%&'*+-.^_`|~"))
        return !key.isEmpty && !item.isEmpty && key.unicodeScalars.allSatisfy { $0.isASCII && token.contains($0) }
    }

    /// What the README's table says a value may be.
    var shown: String {
        switch self {
        case .text: "text"
        case .form(let form, _): form
        case .integer(let range): "\(range.lowerBound)–\(range.upperBound)"
        case .flag, .boolean: "`true` or `false`"
        case .choice(let words, _): Self.alternatives(words)
        case .list(let words): "comma-separated " + Self.alternatives(words)
        case .ratio: "0–1"
        case .pairs: "`key=value[,…]`"
        case .file: "a file that exists"
        case .url: "an `http://` or `https://` URL with a host (port 1–65535)"
        case .currency: "an ISO 4217 code"
        }
    }

    private static func alternatives(_ words: [String]) -> String {
        let quoted = words.map { "`\($0)`" }
        return quoted.count < 2 ? quoted.joined() : quoted.dropLast().joined(separator: ", ") + " or " + quoted.last!
    }
}

extension EnvironmentVariable {
    /// The README's Configuration table (`<service>-service --configuration-table` prints it). An
    /// `OTEL_EXPORTER_OTLP_TRACES_…` variable shares the row of the shared one it takes precedence over.
    public static var markdownTable: String {
        let traces = "OTEL_EXPORTER_OTLP_TRACES_"
        let shared = "OTEL_EXPORTER_OTLP_"
        var lines = ["| variable | default | values | meaning |", "|---|---|---|---|"]
        for variable in all where !variable.name.hasPrefix(traces) {
            var label = "`\(variable.name)`"
            if variable.name.hasPrefix(shared) {
                label += " (or `\(variable.name.replacingOccurrences(of: shared, with: traces))`)"
            }
            let fallback = variable.defaultValue.map { Int64($0) == nil ? "`\($0)`" : $0 } ?? "unset"
            let shownDefault = variable.shownDefault ?? fallback
            lines.append("| \(label) | \(shownDefault) | \(variable.rule.shown) | \(variable.meaning) |")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
