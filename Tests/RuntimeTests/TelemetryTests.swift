import Foundation
import Synchronization
import Testing
import TriadKafka

@testable import TriadRuntime

/// Trace context without a tracer installed (the default: no OTLP endpoint), and the metrics registry.
@Suite struct TelemetryTests {
    let incoming = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"

    func parts(_ traceparent: String) -> [String] { traceparent.split(separator: "-").map(String.init) }

    @Test func withoutATracerTheIncomingTraceIsPassedOnUnderANewParent() {
        #expect(!TracePropagation.isTracing)
        let outgoing = parts(TracePropagation.outgoing(context: nil, incoming: incoming))
        #expect(outgoing.count == 4 && outgoing[0] == "00" && outgoing[3] == "01")
        #expect(outgoing[1] == "4bf92f3577b34da6a3ce929d0e0e4736")
        #expect(
            outgoing[2] != "00f067aa0ba902b7" && outgoing[2].count == 16
                && outgoing[2] != String(repeating: "0", count: 16))
        // The caller's sampling decision travels with it.
        #expect(
            parts(
                TracePropagation.outgoing(
                    context: nil, incoming: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00"))[3] == "00")
    }

    @Test(arguments: [
        nil, "", "garbage", "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
        "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01x",
    ])
    func aMissingOrInvalidTraceStartsANewOne(_ traceparent: String?) {
        let outgoing = parts(TracePropagation.outgoing(context: nil, incoming: traceparent))
        #expect(outgoing.count == 4 && outgoing[1].count == 32 && outgoing[1] != "4bf92f3577b34da6a3ce929d0e0e4736")
        #expect(outgoing[1] != String(repeating: "0", count: 32))
    }

    @Test func theHeaderComesBeforeTheEventsAttributeAndThenItsBinaryModeHeader() {
        let header = "00-11111111111111111111111111111111-2222222222222222-01"
        let binary = "00-33333333333333333333333333333333-4444444444444444-01"
        func headers(_ pairs: [(String, String)]) -> [KafkaHeader] { pairs.map { KafkaHeader($0.0, $0.1) } }
        #expect(
            TracePropagation.incoming(
                headers: headers([("ce_traceparent", binary), ("TraceParent", header)]), attribute: incoming) == header)
        #expect(
            TracePropagation.incoming(headers: headers([("ce_traceparent", binary)]), attribute: incoming) == incoming)
        #expect(TracePropagation.incoming(headers: headers([("ce_traceparent", binary)]), attribute: nil) == binary)
        #expect(TracePropagation.incoming(headers: headers([]), attribute: nil) == nil)
    }

    @Test func metricsRenderThroughThePrometheusRegistry() async {
        let metrics = ServiceMetrics()
        metrics.increment("triad_events_consumed_total", [("topic", "t"), ("type", "a")], by: 3)
        metrics.increment("triad_events_consumed_total", [("topic", "t"), ("type", "a")])
        metrics.observe("triad_event_latency_seconds", [("topic", "t")], samples: [0.0005, 0.2, 7])
        let text = await metrics.prometheusText()
        #expect(text.contains(#"triad_events_consumed_total{topic="t",type="a"} 4"#), "\(text)")
        #expect(text.contains(#"triad_event_latency_seconds_bucket{topic="t",le="0.001"} 1"#), "\(text)")
        #expect(text.contains(#"triad_event_latency_seconds_bucket{topic="t",le="0.25"} 2"#), "\(text)")
        #expect(text.contains(#"triad_event_latency_seconds_bucket{topic="t",le="+Inf"} 3"#), "\(text)")
        #expect(text.contains(#"triad_event_latency_seconds_count{topic="t"} 3"#), "\(text)")
    }

    @Test func aGaugeSeriesThatIsGoneIsRemovedNotLeftAtItsLastValue() async {
        let metrics = ServiceMetrics()
        let partitions = Mutex([0, 1])
        metrics.gauge("triad_consumer_lag") {
            partitions.withLock { $0 }.map { (labels: [("partition", String($0))], value: Double($0 * 10)) }
        }
        let before = await metrics.prometheusText()
        #expect(
            before.contains(#"triad_consumer_lag{partition="0"} 0"#)
                && before.contains(#"triad_consumer_lag{partition="1"} 10"#), "\(before)")
        partitions.withLock { $0 = [1] }
        let after = await metrics.prometheusText()
        #expect(!after.contains(#"partition="0""#), "\(after)")
        #expect(after.contains(#"triad_consumer_lag{partition="1"} 10"#), "\(after)")
    }
}
