import Configuration
import Foundation
import Testing
import TriadEvents
import TriadKafka

@testable import TriadRuntime

@Suite struct RuntimeConfigTests {
    func batchSize(_ environment: [String: String]) throws -> Int {
        try RuntimeConfig(service: .it, defaultPort: 0, environment: .environment(environment)).maxBatchSize
    }

    @Test func theBatchSizeDefaultsByStoreAndCanBeSet() throws {
        #expect(try batchSize([:]) == 10_000)
        #expect(try batchSize(["TRIAD_DATABASE_URL": "sqlite:data/it.sqlite"]) == 10_000)
        #expect(
            try batchSize(["TRIAD_DATABASE_URL": "postgres://triad@db:5432/it"]) == 20_000,
            "each statement is a round trip")
        #expect(try batchSize(["TRIAD_DATABASE_URL": "postgresql://triad@db/it", "TRIAD_MAX_BATCH": "500"]) == 500)
    }

    /// Reads the environment as `ServiceHost.main` does, up to the service's own settings.
    @discardableResult
    static func read(_ values: [String: String], reporter: VariablesRead? = nil) throws(ConfigurationError) -> (
        RuntimeConfig, TracingSettings
    ) {
        let environment = ConfigReader.environment(values, accessReporter: reporter)
        let config = try RuntimeConfig(service: .it, defaultPort: 8083, environment: environment)
        _ = try DatabaseConfig.url(service: "it", environment: environment)
        _ = try DatabaseConfig.poolSize(environment: environment)
        return (config, try TracingSettings(service: .it, environment: environment))
    }

    /// One bad setting: the variable that must be named, and the whole environment.
    struct Refusal: Sendable, CustomTestStringConvertible {
        let variable: String
        let environment: [String: String]
        var testDescription: String {
            environment.map { "\($0.key)=\($0.value.debugDescription)" }.sorted().joined(separator: " ")
        }
    }

    static let aFile = URL(fileURLWithPath: #filePath).path
    static let on = ["OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"]

    /// Bad values for every variable the runtime reads (service settings are refused by the
    /// executables in DeploymentTests), and settings that are bad only together.
    static let refusals: [Refusal] = {
        let single: [(String, [String])] = [
            (
                "TRIAD_KAFKA_BROKERS",
                ["nohost", "localhost:abc", "a:9092,b:70000", "a:9092,,b:9092", "bad host:9092", ":9092", "a:0"]
            ),
            ("TRIAD_GROUP_ID", [" triad", "tri\u{1}ad", "   "]),
            ("TRIAD_HTTP_HOST", ["local host", "host/x", "-bad", "a..b"]),
            ("TRIAD_HTTP_PORT", ["0", "65536", "http", "-1", "99999999999999999999", " 8080"]),
            ("TRIAD_CURRENCY", ["euro", "EU", "EUR "]),
            ("TRIAD_KAFKA_SESSION_TIMEOUT_MS", ["999", "3600001", "x"]),
            ("TRIAD_KAFKA_FETCH_WAIT_MS", ["0", "10001", "5ms"]),
            ("TRIAD_REPORT_INTERVAL_MS", ["9", "9223372036854775807", "1.5"]),
            ("TRIAD_MAX_BATCH", ["0", "100001"]),
            ("TRIAD_MAX_BATCH_BYTES", ["1024", "2147483648"]),
            ("TRIAD_DEDUPE_WINDOW_SECONDS", ["0", "-5", "9223372036854775807"]),
            ("TRIAD_CREATE_TOPICS", ["maybe", "2"]),
            ("TRIAD_LOG_LEVEL", ["verbose"]),
            ("TRIAD_LOG_FORMAT", ["xml"]),
            (
                "TRIAD_API_TOKEN",
                [
                    String(repeating: " ", count: 20), "  a-token-of-sufficient-length",
                    "a-token-of-sufficient-length\n",
                    "short", "a token of sufficient length", "tökén-of-sufficient-length",
                    "a-token-of-sufficient\u{7F}length",
                ]
            ),
            ("TRIAD_API_PROTECT_READS", ["sometimes"]),
            ("TRIAD_HTTP_MAX_BODY_BYTES", ["1023", "16777217"]),
            ("TRIAD_HTTP_IDLE_TIMEOUT_MS", ["0", "99", "3600001"]),
            ("TRIAD_HTTP_REQUEST_READ_TIMEOUT_MS", ["0", "abc"]),
            ("TRIAD_MAX_EVENT_BYTES", ["1023", "67108865"]),
            ("TRIAD_KAFKA_MESSAGE_MAX_BYTES", ["999", "1000000001"]),
            ("TRIAD_SHUTDOWN_TIMEOUT_MS", ["999", "600001"]),
            ("TRIAD_DATABASE_RECOVERY_TIMEOUT_MS", ["0", "280001"]),
            ("TRIAD_DATABASE_POOL_SIZE", ["0", "101", "five"]),
            ("TRIAD_KAFKA_SECURITY_PROTOCOL", ["tls"]),
            ("TRIAD_KAFKA_SASL_MECHANISM", ["plain", "KERBEROS"]),
            ("TRIAD_KAFKA_SASL_USERNAME", [" user"]),
            ("TRIAD_KAFKA_SASL_PASSWORD", ["secret\r"]),
            ("TRIAD_KAFKA_SSL_CA_LOCATION", ["/no/such/ca.pem"]),
            (
                "TRIAD_DATABASE_URL",
                [
                    "mysql://x", "sqlite:", "postgres:///nohost", "postgres://u@h:70000/db",
                    "postgres://u@h:5432/db?sslmode=sometimes",
                ]
            ),
            ("OTEL_SDK_DISABLED", ["yes"]),
            ("OTEL_SERVICE_NAME", ["name\u{7}"]),
            ("OTEL_RESOURCE_ATTRIBUTES", ["a", "=b", "a=b,,c=d"]),
            ("OTEL_LOG_LEVEL", ["verbose"]),
            ("OTEL_PROPAGATORS", ["b3", "tracecontext,baggage"]),
            ("OTEL_TRACES_EXPORTER", ["jaeger", "console"]),
            ("OTEL_TRACES_SAMPLER", ["xray", "jaeger_remote"]),
            ("OTEL_TRACES_SAMPLER_ARG", ["1.5", "nan", "-0.1"]),
            ("OTEL_BSP_SCHEDULE_DELAY", ["0"]),
            ("OTEL_BSP_EXPORT_TIMEOUT", ["0"]),
            ("OTEL_BSP_MAX_QUEUE_SIZE", ["0", "9223372036854775807"]),
            ("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", ["0"]),
        ]
        let exporter: [(String, [String])] = [
            (
                "ENDPOINT",
                [
                    "collector:4318", "http://127.0.0.1:99999", "http://127.0.0.1:0", "ftp://collector", "http://",
                    " http://c:4318",
                ]
            ),
            ("PROTOCOL", ["grpc"]),
            ("HEADERS", ["novalue", "=x", "a b=c"]),
            ("COMPRESSION", ["zstd"]),
            ("TIMEOUT", ["0", "-1"]),
            ("CERTIFICATE", ["/no/such/file"]),
            ("CLIENT_KEY", ["/no/such/file"]),
            ("CLIENT_CERTIFICATE", ["/no/such/file"]),
        ]
        var refusals = single.flatMap { variable, values in
            values.map { Refusal(variable: variable, environment: [variable: $0]) }
        }
        for (suffix, values) in exporter {
            for variable in ["OTEL_EXPORTER_OTLP_\(suffix)", "OTEL_EXPORTER_OTLP_TRACES_\(suffix)"] {
                refusals += values.map { Refusal(variable: variable, environment: [variable: $0]) }
            }
        }
        refusals += [
            Refusal(variable: "TRIAD_KAFKA_SASL_PASSWORD", environment: ["TRIAD_KAFKA_SASL_USERNAME": "user"]),
            Refusal(variable: "TRIAD_KAFKA_SASL_USERNAME", environment: ["TRIAD_KAFKA_SASL_PASSWORD": "password"]),
            // swift-otel would take the empty traces endpoint over the shared one.
            Refusal(
                variable: "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
                environment: on.merging(["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": ""]) { $1 }),
            // While tracing, an empty variable would be taken as given.
            Refusal(variable: "OTEL_SERVICE_NAME", environment: on.merging(["OTEL_SERVICE_NAME": ""]) { $1 }),
            Refusal(
                variable: "OTEL_BSP_MAX_QUEUE_SIZE", environment: on.merging(["OTEL_BSP_MAX_QUEUE_SIZE": ""]) { $1 }),
            Refusal(
                variable: "OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE",
                environment: on.merging(["OTEL_EXPORTER_OTLP_CLIENT_KEY": aFile]) { $1 }),
            Refusal(
                variable: "OTEL_EXPORTER_OTLP_CLIENT_KEY",
                environment: on.merging(["OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE": aFile]) { $1 }),
        ]
        return refusals
    }()

    @Test(arguments: refusals)
    func aBadSettingIsRefusedNamingItsVariable(_ refusal: Refusal) {
        do {
            try Self.read(refusal.environment)
            Issue.record("accepted \(refusal.testDescription)")
        } catch {
            #expect(error.variable == refusal.variable, "\(error)")
            #expect(!error.reason.isEmpty)
            if refusal.variable.contains("TOKEN") || refusal.variable.contains("PASSWORD")
                || refusal.variable.contains("HEADERS")
            {
                for value in refusal.environment.values where value.count > 6 {
                    #expect(!error.description.contains(value), "a secret is not repeated: \(error)")
                }
            }
        }
    }

    @Test func everyVariableTheRuntimeReadsHasABadValueInTheTable() throws {
        let read = VariablesRead()
        try Self.read([:], reporter: read)
        let covered = Set(Self.refusals.map(\.variable))
        let missing = read.names.filter { !covered.contains($0) }
        #expect(missing.isEmpty, "no refusal case for \(missing)")
        // And the list the README's table and --list-environment come from holds exactly those.
        let shared = EnvironmentVariable.all.filter { $0.service == nil }.map(\.name)
        #expect(Set(shared) == Set(read.names), "read: \(read.names)")
    }

    /// The README's Configuration table is the one generated from `EnvironmentVariable.all`.
    @Test func theReadmeTableIsTheGeneratedOne() throws {
        let readme = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("README.md")
        let text = try String(contentsOf: readme, encoding: .utf8)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        let table = lines.drop { !$0.hasPrefix("| variable |") }.prefix { $0.hasPrefix("|") }
        #expect(
            table.joined(separator: "\n") + "\n" == EnvironmentVariable.markdownTable,
            "replace the README's Configuration table with the output of `swift run it-service --configuration-table`")
    }

    /// Every default is a value its own rule takes.
    @Test func everyDefaultSatisfiesItsRule() {
        for variable in EnvironmentVariable.all {
            guard let value = variable.defaultValue else { continue }
            #expect(variable.problem(of: value) == nil, "\(variable.name)'s default \(value)")
        }
    }

    @Test func goodSettingsAreTakenAsGiven() throws {
        let (config, tracing) = try Self.read([
            "TRIAD_API_TOKEN": "0123456789abcdef", "TRIAD_HTTP_HOST": "::", "TRIAD_HTTP_PORT": "65535",
            "TRIAD_KAFKA_BROKERS": "SASL_SSL://b-1.kafka.example.:9096,[::1]:9092, kafka_1:9092",
            "TRIAD_KAFKA_SECURITY_PROTOCOL": "SASL_SSL", "TRIAD_KAFKA_SASL_MECHANISM": "SCRAM-SHA-512",
            "TRIAD_KAFKA_SASL_USERNAME": "user", "TRIAD_KAFKA_SASL_PASSWORD": "pass word",
            "TRIAD_KAFKA_SSL_CA_LOCATION": "probe",
            "TRIAD_HTTP_IDLE_TIMEOUT_MS": "100", "TRIAD_HTTP_REQUEST_READ_TIMEOUT_MS": "3600000",
            "TRIAD_KAFKA_FETCH_WAIT_MS": "7",
        ])
        #expect(config.consumerKafka.fetchWait == .milliseconds(7))
        #expect(config.apiToken == "0123456789abcdef" && config.httpHost == "::" && config.httpPort == 65535)
        #expect(config.httpIdleTimeoutMilliseconds == 100 && config.httpRequestReadTimeoutMilliseconds == 3_600_000)
        #expect(
            config.kafkaSecurity["sasl.password"] == "pass word"
                && config.kafkaSecurity["security.protocol"] == "SASL_SSL")
        #expect(!tracing.isOn)
        // Empty is unset (`${VAR:-}` in a compose file): the default.
        let (defaults, off) = try Self.read([
            "TRIAD_HTTP_PORT": "", "TRIAD_API_TOKEN": "", "OTEL_EXPORTER_OTLP_ENDPOINT": "",
        ])
        #expect(defaults.httpPort == 8083 && defaults.apiToken == nil && !off.isOn)
        #expect(defaults.httpIdleTimeoutMilliseconds == 30_000 && defaults.httpRequestReadTimeoutMilliseconds == 30_000)
        #expect(defaults.consumerKafka.fetchWait == .milliseconds(20))
    }

    @Test func theTracesEndpointIsChosenAsSwiftOTelChoosesIt() throws {
        #expect(try Self.read(Self.on).1.endpoint == "http://collector:4318/v1/traces")
        #expect(
            try Self.read(["OTEL_EXPORTER_OTLP_ENDPOINT": "https://c/otlp/"]).1.endpoint == "https://c/otlp/v1/traces")
        let both = [
            "OTEL_EXPORTER_OTLP_ENDPOINT": "", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://[::1]:4318/traces",
        ]
        #expect(try Self.read(both).1.endpoint == "http://[::1]:4318/traces")
        // OTEL_SDK_DISABLED turns tracing off, as the specification says.
        #expect(try !Self.read(Self.on.merging(["OTEL_SDK_DISABLED": "TRUE"]) { $1 }).1.isOn)
        let tuned = Self.on.merging([
            "OTEL_PROPAGATORS": "tracecontext", "OTEL_TRACES_SAMPLER": "parentbased_traceidratio",
            "OTEL_TRACES_SAMPLER_ARG": "0.25",
            "OTEL_BSP_MAX_EXPORT_BATCH_SIZE": "64", "OTEL_EXPORTER_OTLP_HEADERS": "api-key=secret,x-tenant=a b",
            "OTEL_RESOURCE_ATTRIBUTES": "deployment.environment=test",
        ]) { $1 }
        #expect(try Self.read(tuned).1.isOn)
    }
}
