import Configuration
import Foundation
import Instrumentation
import Logging
import OTel
import ServiceContextModule
import ServiceLifecycle
import Synchronization
import Tracing
import TriadEvents
import TriadKafka
import W3CTraceContext

/// Distributed tracing: spans through swift-distributed-tracing, exported by swift-otel over
/// OTLP/HTTP, on only when `OTEL_EXPORTER_OTLP_ENDPOINT` (or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`)
/// is set. The other standard `OTEL_*` variables (service name, sampler, batch delay, headers)
/// apply as the OpenTelemetry specification defines them.
///
/// swift-otel reads those variables itself, and on a value it cannot use it logs a warning and
/// keeps its default, or traps (a port past 65535, a propagator or sampler it lacks), or spins (a
/// batch size or delay of 0). So every one that reaches the span exporter is checked first, at
/// start, by its rule in `EnvironmentVariable.tracing`, and refused naming the variable.
public struct TracingSettings: Sendable {
    public let serviceName: String
    /// Where spans go, when tracing is on.
    public let endpoint: String?

    public var isOn: Bool { endpoint != nil }

    public init(service: Participant, environment: ConfigReader) throws(ConfigurationError) {
        serviceName = "\(service.rawValue)-service"
        var values: [String: String] = [:]
        for variable in EnvironmentVariable.tracing {
            values[variable.name] = try environment.optionalText(variable.name)
        }
        // As swift-otel chooses: the traces variable when it is in the environment at all (even
        // empty), else the shared one, to which it appends /v1/traces.
        let endpoint: String?
        if environment.isSet("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") {
            endpoint = values["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"]
            if endpoint == nil, values["OTEL_EXPORTER_OTLP_ENDPOINT"] != nil {
                throw ConfigurationError(
                    variable: "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
                    reason:
                        "is empty while OTEL_EXPORTER_OTLP_ENDPOINT is set: swift-otel would send spans to the empty one; unset it"
                )
            }
        } else if let base = values["OTEL_EXPORTER_OTLP_ENDPOINT"] {
            endpoint = base.hasSuffix("/") ? base + "v1/traces" : base + "/v1/traces"
        } else {
            endpoint = nil
        }
        let disabled = values["OTEL_SDK_DISABLED"]?.lowercased() == "true"
        self.endpoint = disabled ? nil : endpoint
        guard isOn else { return }
        // While tracing, swift-otel takes an empty variable as given (an empty service name, an
        // unreadable number it silently replaces): refuse it instead.
        let emptyVariables = EnvironmentVariable.tracing.map(\.name).filter {
            environment.isSet($0) && values[$0] == nil
        }
        for variable in emptyVariables {
            let tracesVariable = variable.replacingOccurrences(
                of: "OTEL_EXPORTER_OTLP_", with: "OTEL_EXPORTER_OTLP_TRACES_")
            // swift-otel takes the traces one
            if tracesVariable != variable, values[tracesVariable] != nil { continue }
            throw ConfigurationError(
                variable: variable, reason: "is empty while tracing is on: unset it for the default")
        }
        // Mutual TLS needs both halves, as swift-otel reads them.
        let key = values["OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY"] ?? values["OTEL_EXPORTER_OTLP_CLIENT_KEY"]
        let certificate =
            values["OTEL_EXPORTER_OTLP_TRACES_CLIENT_CERTIFICATE"] ?? values["OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE"]
        if (key == nil) != (certificate == nil) {
            throw ConfigurationError(
                variable: key == nil ? "OTEL_EXPORTER_OTLP_CLIENT_KEY" : "OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE",
                reason: "must be set too: mutual TLS needs both the client key and its certificate")
        }
    }

    /// Installs the process-wide tracer when tracing is on and returns the service that exports
    /// its spans (run it first in the service group, so it stops last and flushes every span).
    public func bootstrap(logger: Logger) throws(ConfigurationError) -> (any Service)? {
        guard isOn else { return nil }
        var configuration = OTel.Configuration.default
        configuration.serviceName = serviceName
        configuration.diagnosticLogger = .custom(logger)
        configuration.diagnosticLogLevel = .warning
        configuration.logs.enabled = false
        configuration.metrics.enabled = false  // metrics are scraped from /metrics
        configuration.traces.exporter = .otlp
        configuration.traces.otlpExporter.protocol = .httpProtobuf
        do {
            let backend = try OTel.makeTracingBackend(configuration: configuration)
            InstrumentationSystem.bootstrap(backend.factory)
            logger.info("exporting traces over OTLP/HTTP", metadata: ["endpoint": "\(endpoint ?? "")"])
            return backend.service
        } catch {
            throw ConfigurationError(variable: "OTEL_*", reason: "the tracing exporter could not be set up: \(error)")
        }
    }

    /// What logs carry while tracing: the trace and span ids of the span they are written in.
    public static func loggingMetadataProvider() -> Logger.MetadataProvider {
        OTel.makeLoggingMetadataProvider()
    }
}

/// The W3C trace context on messages and events. A message carries it in its Kafka `traceparent`
/// (and `tracestate`) header; a CloudEvent may also carry it as its `traceparent` attribute (the
/// distributed-tracing extension), which counts when the header is absent (a producer that sets only
/// the attribute). Injection and extraction go through the `Instrument` API, so whichever
/// propagator the tracer uses applies.
public enum TracePropagation {
    public static let header = "traceparent"

    /// Whether a tracer is installed (spans are recorded and exported).
    public static var isTracing: Bool { !(InstrumentationSystem.tracer is NoOpTracer) }

    /// The incoming `traceparent` of a message: its header (W3C's convention for Kafka), else its
    /// event's attribute, else the `ce_traceparent` header of a binary-mode message the codec refused.
    /// Triad's own messages carry the same value in the header and the attribute.
    public static func incoming(headers: [KafkaHeader], attribute: String?) -> String? {
        func value(_ name: String) -> String? {
            headers.first { $0.name.count == name.count && $0.name.lowercased() == name }.map {
                String(decoding: $0.value, as: UTF8.self)
            }
        }
        return value(header) ?? attribute ?? value("ce_" + header)
    }

    /// The context a message continues, for the span that handles it.
    public static func context(headers: [KafkaHeader], attribute: String?) -> ServiceContext {
        var carrier: [String: String] = [:]
        for header in headers { carrier[header.name.lowercased()] = String(decoding: header.value, as: UTF8.self) }
        if carrier[header] == nil { carrier[header] = incoming(headers: headers, attribute: attribute) }
        var context = ServiceContext.topLevel
        InstrumentationSystem.instrument.extract(carrier, into: &context, using: DictionaryExtractor())
        return context
    }

    /// The `traceparent` (and `tracestate`) of the span in `context`; empty while not tracing.
    public static func headers(of context: ServiceContext) -> [String: String] {
        var carrier: [String: String] = [:]
        InstrumentationSystem.instrument.inject(context, into: &carrier, using: DictionaryInjector())
        return carrier
    }

    /// The `traceparent` emitted events carry: the span that caused them while tracing; otherwise
    /// the incoming trace passed on under a new parent id, or a new trace when none came in.
    public static func outgoing(context: ServiceContext?, incoming: String?) -> String {
        if let context, let traceparent = headers(of: context)[header] { return traceparent }
        if let incoming, let parent = try? W3CTraceContext.TraceContext(traceParentHeaderValue: incoming) {
            var ids = IdentifierGenerator()
            return W3CTraceContext.TraceContext(
                traceID: parent.traceID, spanID: .random(using: &ids), flags: parent.flags, state: parent.state
            ).traceParentHeaderValue
        }
        var ids = IdentifierGenerator()
        return W3CTraceContext.TraceContext(
            traceID: .random(using: &ids), spanID: .random(using: &ids), flags: .sampled, state: TraceState()
        ).traceParentHeaderValue
    }

    /// Random trace and span ids without a system call each (one per emitted event adds up): a
    /// SplitMix64 sequence seeded once from the system's generator. Ids need to be unique, not secret.
    struct IdentifierGenerator: RandomNumberGenerator {
        private static let state = Mutex<UInt64>(UInt64.random(in: .min ... .max))

        mutating func next() -> UInt64 {
            var z = Self.state.withLock { state -> UInt64 in
                state &+= 0x9E37_79B9_7F4A_7C15
                return state
            }
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    /// The trace id of a `traceparent`, for logs; empty when it is not a valid one.
    public static func traceId(of traceparent: String?) -> String {
        traceparent.flatMap { try? W3CTraceContext.TraceContext(traceParentHeaderValue: $0) }.map { "\($0.traceID)" }
            ?? ""
    }

    /// Whether the `traceparent` asks for the trace to be recorded.
    static func isSampled(_ traceparent: String) -> Bool {
        (try? W3CTraceContext.TraceContext(traceParentHeaderValue: traceparent))?.flags.contains(.sampled) ?? false
    }

    struct DictionaryExtractor: Extractor {
        func extract(key: String, from carrier: [String: String]) -> String? { carrier[key.lowercased()] }
    }

    struct DictionaryInjector: Injector {
        func inject(_ value: String, forKey key: String, into carrier: inout [String: String]) {
            carrier[key.lowercased()] = value
        }
    }
}

/// Span attributes in the OpenTelemetry semantic conventions for messaging.
extension SpanAttributes {
    mutating func message(
        topic: String, partition: Int32? = nil, offset: Int64? = nil, eventId: String? = nil, type: String? = nil
    ) {
        self["messaging.system"] = "kafka"
        self["messaging.destination.name"] = topic
        if let partition { self["messaging.destination.partition.id"] = String(partition) }
        if let offset { self["messaging.kafka.offset"] = offset }
        if let eventId { self["messaging.message.id"] = eventId }
        if let type { self["cloudevents.event_type"] = type }
    }
}
