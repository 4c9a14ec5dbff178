import CoreMetrics
import Metrics
import Prometheus
import Synchronization

/// A service's metrics, recorded through swift-metrics into its own Prometheus registry, which
/// `GET /metrics` renders. The process also bootstraps `MetricsSystem` with `factory`, so what
/// libraries record (Hummingbird's `MetricsMiddleware`) lands in the same registry; tests that run
/// several services in one process give each its own.
///
/// What it records (the README lists them): `triad_events_consumed_total{topic,type}`,
/// `triad_events_produced_total{topic,type}`, `triad_dead_letters_total{topic,code}`,
/// `triad_redeliveries_absorbed_total`, `triad_outbox_failed_total{topic}`, `triad_pruned_total{table}`,
/// the histograms `triad_handler_batch_seconds` and `triad_event_latency_seconds{topic}`, and the
/// gauges read at every scrape (`gauge(_:_:)`); HTTP requests are Hummingbird's (`hb_requests` and
/// the rest). Label values are bounded: topics and types of the catalog, reason codes.
public final class ServiceMetrics: Sendable {
    public typealias Labels = [(String, String)]
    public typealias GaugeReader = @Sendable () async -> [(labels: Labels, value: Double)]

    /// Histogram buckets in seconds, from a millisecond to an hour.
    public static let bucketBounds: [Double] = [
        0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 3600,
    ]

    public let registry: PrometheusCollectorRegistry
    public let factory: PrometheusMetricsFactory

    private struct Series: Hashable {
        let name: String
        let labels: [String]
        init(_ name: String, _ labels: Labels) {
            self.name = name
            self.labels = labels.flatMap { [$0.0, $0.1] }
        }
    }

    private let readers = Mutex<[(name: String, read: GaugeReader)]>([])
    /// The gauge series the last scrape set, so that a series that is gone (a revoked partition's
    /// lag) is removed rather than left at its last value.
    private let liveGauges = Mutex<[Series: CoreMetrics.Gauge]>([:])

    public init() {
        registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = Self.bucketBounds.map { .nanoseconds(Int64(($0 * 1e9).rounded())) }
        self.factory = factory
    }

    public func increment(_ name: String, _ labels: Labels, by amount: Int64 = 1) {
        CoreMetrics.Counter(label: name, dimensions: labels, factory: factory).increment(by: amount)
    }

    public func observe(_ name: String, _ labels: Labels = [], seconds: Double) {
        observe(name, labels, samples: [seconds])
    }

    /// Several observations of one series (a batch's event latencies).
    public func observe(_ name: String, _ labels: Labels = [], samples: [Double]) {
        guard !samples.isEmpty else { return }
        let timer = Metrics.Timer(label: name, dimensions: labels, factory: factory)
        for seconds in samples { timer.recordSeconds(seconds) }
    }

    /// A gauge read at every scrape.
    public func gauge(_ name: String, _ read: @escaping GaugeReader) {
        readers.withLock { $0.append((name, read)) }
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

    /// Reads the gauges, then renders the registry in the Prometheus text format.
    public func prometheusText() async -> String {
        var read: [(Series, Labels, Double)] = []
        for reader in readers.withLock({ $0 }) {
            for (labels, value) in await reader.read() { read.append((Series(reader.name, labels), labels, value)) }
        }
        let factory = self.factory
        liveGauges.withLock { live in
            var next: [Series: CoreMetrics.Gauge] = [:]
            for (series, labels, value) in read {
                let gauge = live[series] ?? CoreMetrics.Gauge(label: series.name, dimensions: labels, factory: factory)
                gauge.record(value)
                next[series] = gauge
            }
            for (series, gauge) in live where next[series] == nil { gauge.destroy() }
            live = next
        }
        return registry.emitToString()
    }
}
