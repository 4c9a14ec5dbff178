import Foundation
import Synchronization

/// Counters, histograms and gauges a service exposes on `GET /metrics` in the Prometheus text format.
public final class ServiceMetrics: Sendable {
    public typealias Labels = [(String, String)]
    public typealias GaugeReader = @Sendable () async -> [(labels: Labels, value: Double)]

    private struct Key: Hashable, Comparable {
        let name: String
        let labels: [String]
        static func < (a: Key, b: Key) -> Bool {
            (a.name, a.labels.joined(separator: ",")) < (b.name, b.labels.joined(separator: ","))
        }
    }

    private struct Histogram {
        var buckets: [Int64]
        var sum: Double = 0
        var count: Int64 = 0
    }

    /// Seconds, from a millisecond to an hour.
    public static let bucketBounds: [Double] = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 3600]

    private let counters = Mutex<[Key: Int64]>([:])
    private let histograms = Mutex<[Key: Histogram]>([:])
    private let gauges = Mutex<[(name: String, help: String, read: GaugeReader)]>([])
    private let help: [String: String] = [
        "triad_events_consumed_total": "Events applied, by topic and type.",
        "triad_events_produced_total": "Events published by the outbox relay, by topic and type (dead letters as dead-letter).",
        "triad_dead_letters_total": "Messages sent to the dead-letter topic, by source topic and reason code.",
        "triad_redeliveries_absorbed_total": "Events skipped because they had been applied before.",
        "triad_http_requests_total": "HTTP requests, by method, route and status.",
        "triad_handler_batch_seconds": "Time to decode, apply and commit one consumed batch.",
        "triad_event_latency_seconds": "From an event's time to its being applied, by topic.",
        "triad_database_bytes": "Bytes the service's database takes.",
        "triad_pruned_total": "Rows dropped by housekeeping once past their retention, by table.",
    ]

    public init() {}

    private func key(_ name: String, _ labels: Labels) -> Key {
        Key(name: name, labels: labels.map { "\($0.0)=\"\(escape($0.1))\"" })
    }

    public func increment(_ name: String, _ labels: Labels, by amount: Int64 = 1) {
        let key = key(name, labels)
        counters.withLock { $0[key, default: 0] += amount }
    }

    public func observe(_ name: String, _ labels: Labels = [], seconds: Double) {
        observe(name, labels, samples: [seconds])
    }

    /// Several observations of one series under one lock (a batch's event latencies).
    public func observe(_ name: String, _ labels: Labels = [], samples: [Double]) {
        guard !samples.isEmpty else { return }
        let key = key(name, labels)
        histograms.withLock { histograms in
            var histogram = histograms[key] ?? Histogram(buckets: Array(repeating: 0, count: Self.bucketBounds.count))
            for seconds in samples {
                for (index, bound) in Self.bucketBounds.enumerated() where seconds <= bound { histogram.buckets[index] += 1 }
                histogram.sum += seconds
                histogram.count += 1
            }
            histograms[key] = histogram
        }
    }

    /// A gauge read at every scrape.
    public func gauge(_ name: String, help: String, _ read: @escaping GaugeReader) {
        gauges.withLock { $0.append((name, help, read)) }
    }

    /// A reader that asks `read` at most once per `interval` and answers from the last result in
    /// between: for gauges that query the database, so frequent scrapes cost the batches nothing.
    public static func cached(for interval: Duration, _ read: @escaping GaugeReader) -> GaugeReader {
        let last = Mutex<(at: ContinuousClock.Instant, values: [(labels: Labels, value: Double)])?>(nil)
        return {
            let now = ContinuousClock.now
            if let cached = last.withLock({ $0 }), now - cached.at < interval { return cached.values }
            let values = await read()
            last.withLock { $0 = (now, values) }
            return values
        }
    }

    public func prometheusText() async -> String {
        var lines: [String] = []
        func header(_ name: String, _ type: String, _ text: String?) {
            lines.append("# HELP \(name) \(text ?? help[name] ?? name)")
            lines.append("# TYPE \(name) \(type)")
        }
        var lastName = ""
        for (key, value) in counters.withLock({ $0 }).sorted(by: { $0.key < $1.key }) {
            if key.name != lastName {
                header(key.name, "counter", nil)
                lastName = key.name
            }
            lines.append("\(key.name)\(render(key.labels)) \(value)")
        }
        lastName = ""
        for (key, histogram) in histograms.withLock({ $0 }).sorted(by: { $0.key < $1.key }) {
            if key.name != lastName {
                header(key.name, "histogram", nil)
                lastName = key.name
            }
            for (index, bound) in Self.bucketBounds.enumerated() {
                lines.append("\(key.name)_bucket\(render(key.labels + ["le=\"\(bound)\""])) \(histogram.buckets[index])")
            }
            lines.append("\(key.name)_bucket\(render(key.labels + ["le=\"+Inf\""])) \(histogram.count)")
            lines.append("\(key.name)_sum\(render(key.labels)) \(histogram.sum)")
            lines.append("\(key.name)_count\(render(key.labels)) \(histogram.count)")
        }
        for gauge in gauges.withLock({ $0 }) {
            header(gauge.name, "gauge", gauge.help)
            for (labels, value) in await gauge.read() {
                lines.append("\(gauge.name)\(render(key(gauge.name, labels).labels)) \(value)")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private func render(_ labels: [String]) -> String { labels.isEmpty ? "" : "{\(labels.joined(separator: ","))}" }

    private func escape(_ value: String) -> String {
        value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
    }
}
