import Synchronization

/// Counters a service exposes on `GET /metrics` in the Prometheus text format.
public final class ServiceMetrics: Sendable {
    private struct Key: Hashable, Comparable {
        let name: String
        let labels: [String]
        static func < (a: Key, b: Key) -> Bool { (a.name, a.labels.joined(separator: ",")) < (b.name, b.labels.joined(separator: ",")) }
    }

    private let counters = Mutex<[Key: Int64]>([:])
    private let help: [String: String] = [
        "triad_events_consumed_total": "Events read from Kafka, by topic and type.",
        "triad_events_produced_total": "Events published, by topic and type.",
        "triad_dead_letters_total": "Messages sent to the dead-letter topic, by source topic and reason code.",
        "triad_http_requests_total": "HTTP requests, by route and status.",
    ]

    public init() {}

    public func increment(_ name: String, _ labels: [(String, String)], by amount: Int64 = 1) {
        let key = Key(name: name, labels: labels.map { "\($0.0)=\"\(escape($0.1))\"" })
        counters.withLock { $0[key, default: 0] += amount }
    }

    public func value(_ name: String, _ labels: [(String, String)]) -> Int64 {
        let key = Key(name: name, labels: labels.map { "\($0.0)=\"\(escape($0.1))\"" })
        return counters.withLock { $0[key] ?? 0 }
    }

    /// The sum of a counter over all its labels.
    public func total(_ name: String) -> Int64 {
        counters.withLock { $0.filter { $0.key.name == name }.values.reduce(0, +) }
    }

    public func prometheusText() -> String {
        let snapshot = counters.withLock { $0 }
        var lines: [String] = []
        var lastName = ""
        for (key, value) in snapshot.sorted(by: { $0.key < $1.key }) {
            if key.name != lastName {
                lines.append("# HELP \(key.name) \(help[key.name] ?? key.name)")
                lines.append("# TYPE \(key.name) counter")
                lastName = key.name
            }
            let labels = key.labels.isEmpty ? "" : "{\(key.labels.joined(separator: ","))}"
            lines.append("\(key.name)\(labels) \(value)")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private func escape(_ value: String) -> String {
        value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
    }
}

import Foundation
