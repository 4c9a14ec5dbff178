import TriadEvents

extension EnvironmentVariable {
    /// Every variable the services read, in the README table's order. After changing one, replace the
    /// README's table with `<service>-service --configuration-table` (a RuntimeTests test compares them).
    public static let all: [EnvironmentVariable] = runtime + database + tracing + kafkaSecurity + services

    static let runtime: [EnvironmentVariable] = [
        .init(
            "TRIAD_KAFKA_BROKERS", .form("`host:port[,host:port…]`", problem: RuntimeConfig.brokersProblem),
            default: "127.0.0.1:9092", required: true, "bootstrap servers"),
        .init(
            "TRIAD_GROUP_ID", .text, shown: "`triad-<service>`", "consumer group; instances of a service share it"),
        .init(
            "TRIAD_HTTP_HOST", .form("a host name or an IP address", problem: RuntimeConfig.listenHostProblem),
            default: "127.0.0.1", required: true, "address the HTTP API listens on"),
        .init(
            "TRIAD_HTTP_PORT", .integer(1...65_535), shown: "8081 (marketing), 8082 (finance), 8083 (IT)",
            "port the HTTP API listens on"),
        .init("TRIAD_CURRENCY", .currency, default: "EUR", "the deployment's one currency"),
        .init(
            "TRIAD_KAFKA_SESSION_TIMEOUT_MS", .integer(1000...3_600_000), default: "6000",
            "consumer group session timeout"),
        .init(
            "TRIAD_KAFKA_FETCH_WAIT_MS", .integer(1...10_000), default: "20",
            "longest a fetch waits on the broker for data (`fetch.wait.max.ms`): a broker that holds a fetch "
                + "for all of it delays a light stream's events by up to this much"),
        .init(
            "TRIAD_REPORT_INTERVAL_MS", .integer(10...3_600_000), default: "1000",
            "coalescing interval of ROI and performance reports"),
        .init(
            "TRIAD_MAX_BATCH", .integer(1...100_000), shown: "10000 (20000 with PostgreSQL)",
            "most messages handled per batch"),
        .init(
            "TRIAD_MAX_BATCH_BYTES", .integer(65_536...(1 << 30)), default: "16777216",
            "a batch closes once its messages reach this many bytes (keys, values, headers)"),
        .init(
            "TRIAD_DEDUPE_WINDOW_SECONDS", .integer(1...(10 * 365 * 86_400)), default: "604800",
            "how long applied event ids are kept to recognise a redelivery"),
        .init("TRIAD_CREATE_TOPICS", .flag, default: "true", "create the topics the service uses at start"),
        .init(
            "TRIAD_LOG_LEVEL", .choice(RuntimeConfig.LogLevel.allCases.map(\.rawValue), anyCase: true),
            default: "info", "least severe level logged"),
        .init(
            "TRIAD_LOG_FORMAT", .choice(RuntimeConfig.LogFormat.allCases.map(\.rawValue), anyCase: true),
            default: "text", "log lines as text or as JSON objects"),
        .init(
            "TRIAD_API_TOKEN", .form("16+ visible ASCII characters, no spaces", problem: RuntimeConfig.tokenProblem),
            secret: true, required: true,
            "bearer token for state-changing requests; never logged or repeated in an error"),
        .init("TRIAD_API_PROTECT_READS", .flag, default: "false", "reads and `/metrics` need the token too"),
        .init("TRIAD_HTTP_MAX_BODY_BYTES", .integer(1024...16_777_216), default: "65536", "largest request body"),
        .init(
            "TRIAD_HTTP_IDLE_TIMEOUT_MS", .integer(100...3_600_000), default: "30000",
            "a connection on which no part of a request arrives for this long is closed: an idle keep-alive "
                + "connection, a request line or header block left unfinished, a body that stalls"),
        .init(
            "TRIAD_HTTP_REQUEST_READ_TIMEOUT_MS", .integer(100...3_600_000), default: "30000",
            "a request's body must have arrived this long after its head, or it is answered 408 and the "
                + "connection closed"),
        .init(
            "TRIAD_MAX_EVENT_BYTES", .integer(1024...67_108_864), default: "1048576",
            "larger Kafka values are dead-lettered unread"),
        .init(
            "TRIAD_KAFKA_MESSAGE_MAX_BYTES", .integer(1000...1_000_000_000),
            shown: "the larger of 1000000 and `TRIAD_MAX_EVENT_BYTES` + 65536",
            "the largest message the brokers take (set it to their `message.max.bytes`); a larger outbox row "
                + "is set aside in `outbox_failed`"),
        .init(
            "TRIAD_SHUTDOWN_TIMEOUT_MS", .integer(1000...600_000), default: "30000",
            "deadline of the whole graceful shutdown"),
        .init(
            "TRIAD_DATABASE_RECOVERY_TIMEOUT_MS", .integer(1000...280_000), default: "120000",
            "how long the database may stay unavailable (retried with backoff) before the process exits with "
                + "status 75; below librdkafka's `max.poll.interval.ms` (300 s) so the consumer keeps its "
                + "partitions meanwhile"),
    ]

    static let database: [EnvironmentVariable] = [
        .init(
            "TRIAD_DATABASE_URL",
            .form(
                "`sqlite:<path>` or `postgres://user:password@host:port/database`",
                problem: DatabaseConfig.problem(ofURL:)),
            shown: "`sqlite:triad-<service>.sqlite`", secret: true, required: true,
            "where the service keeps its state: a file per instance, or a PostgreSQL database its instances share"),
        .init(
            "TRIAD_DATABASE_POOL_SIZE", .integer(1...100), default: "5",
            "PostgreSQL: connections each instance keeps, so HTTP reads, the outbox relay and housekeeping run "
                + "beside an ingest batch (one more holds the relay's lock); unused on SQLite"),
    ]

    /// What the README shows as the default of an `OTEL_*` variable left unset.
    private static let otel = "OpenTelemetry's"

    /// Every variable swift-otel reads for the span exporter: it ignores a value it cannot read, traps
    /// on one it lacks or spins on a batch size or delay of 0, so each is checked at start instead.
    static let tracing: [EnvironmentVariable] =
        [
            .init(
                "OTEL_SDK_DISABLED", .boolean, shown: otel, "`true` turns tracing off, as the specification says"),
            .init("OTEL_SERVICE_NAME", .text, shown: "`<service>-service`", "the service name on spans"),
            .init(
                "OTEL_RESOURCE_ATTRIBUTES", .pairs(secret: false), shown: otel, "resource attributes on spans"),
            .init(
                "OTEL_LOG_LEVEL", .choice(["error", "warning", "info", "debug", "trace"], anyCase: false),
                shown: otel, "swift-otel's own diagnostics"),
            // swift-otel traps on the other propagators and samplers the specification names.
            .init(
                "OTEL_PROPAGATORS", .list(["tracecontext", "none"]), shown: otel,
                "how trace context travels"),
            .init("OTEL_TRACES_EXPORTER", .choice(["otlp"], anyCase: false), shown: otel, "the span exporter"),
            .init(
                "OTEL_TRACES_SAMPLER",
                .choice(
                    [
                        "always_on", "always_off", "traceidratio", "parentbased_always_on",
                        "parentbased_always_off", "parentbased_traceidratio",
                    ], anyCase: false),
                shown: otel, "which traces are recorded"),
            .init("OTEL_TRACES_SAMPLER_ARG", .ratio, shown: otel, "the share of traces a ratio sampler records"),
            .init(
                "OTEL_BSP_SCHEDULE_DELAY", .integer(1...3_600_000), shown: otel,
                "milliseconds between span exports"),
            .init(
                "OTEL_BSP_EXPORT_TIMEOUT", .integer(1...3_600_000), shown: otel,
                "milliseconds an export of spans may take"),
            .init(
                "OTEL_BSP_MAX_QUEUE_SIZE", .integer(1...1_000_000), shown: otel,
                "spans kept waiting for export; more are dropped"),
            .init(
                "OTEL_BSP_MAX_EXPORT_BATCH_SIZE", .integer(1...1_000_000), shown: otel, "most spans per export"),
        ]
        + otlp(
            "ENDPOINT", .url, shown: "unset: tracing off",
            "the OTLP/HTTP collector; set, the service exports its spans there (to `<endpoint>/v1/traces`, or to "
                + "the traces one as given; an empty traces one beside a set shared one is refused, as swift-otel "
                + "would take it)")
        + otlp(
            "PROTOCOL", .choice(["http/protobuf", "http/json"], anyCase: false), shown: "`http/protobuf`",
            "how spans are encoded; `grpc` is refused, this build has no gRPC")
        + otlp(
            "HEADERS", .pairs(secret: true), shown: otel, "headers sent to the collector; never repeated", secret: true)
        + otlp("COMPRESSION", .choice(["gzip", "none"], anyCase: false), shown: otel, "compression of exports")
        + otlp("TIMEOUT", .integer(1...3_600_000), shown: otel, "milliseconds an export request may take")
        + otlp("CERTIFICATE", .file, shown: otel, "the CA certificate that verifies the collector")
        + otlp("CLIENT_KEY", .file, shown: otel, "mutual TLS: the client's key (with its certificate)")
        + otlp("CLIENT_CERTIFICATE", .file, shown: otel, "mutual TLS: the client's certificate (with its key)")

    /// `OTEL_EXPORTER_OTLP_TRACES_<suffix>`, which swift-otel takes over the shared one, and the shared
    /// `OTEL_EXPORTER_OTLP_<suffix>`. While tracing, an empty one is refused.
    private static func otlp(
        _ suffix: String, _ rule: Rule, shown: String, _ meaning: String, secret: Bool = false
    ) -> [EnvironmentVariable] {
        ["OTEL_EXPORTER_OTLP_TRACES_\(suffix)", "OTEL_EXPORTER_OTLP_\(suffix)"].map {
            .init($0, rule, shown: shown, secret: secret, meaning)
        }
    }

    /// Passed to librdkafka, each checked the way librdkafka would check it when the client is created.
    static let kafkaSecurity: [EnvironmentVariable] = [
        .init(
            "TRIAD_KAFKA_SECURITY_PROTOCOL",
            .choice(["plaintext", "ssl", "sasl_plaintext", "sasl_ssl"], anyCase: true),
            "librdkafka's `security.protocol`"),
        .init(
            "TRIAD_KAFKA_SASL_MECHANISM",
            .choice(["GSSAPI", "PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512", "OAUTHBEARER"], anyCase: false),
            "librdkafka's `sasl.mechanism`"),
        .init("TRIAD_KAFKA_SASL_USERNAME", .text, "SASL user name (with the password)"),
        .init("TRIAD_KAFKA_SASL_PASSWORD", .text, secret: true, "SASL password (with the user name); never logged"),
        .init(
            "TRIAD_KAFKA_SSL_CA_LOCATION",
            .form("a CA file or directory that exists, or `probe`", problem: RuntimeConfig.certificateAuthorityProblem),
            "librdkafka's `ssl.ca.location`"),
    ]

    static let services: [EnvironmentVariable] = [
        .init(
            "TRIAD_FINANCE_QUARTERLY_ENVELOPE_MINOR", .integer(0...Int64.max / 10_000), default: "50000000",
            service: .finance, "finance: the quarterly marketing envelope"),
        .init(
            "TRIAD_FINANCE_HURDLE_BPS", .integer(-10_000...1_000_000), default: "1000", service: .finance,
            "finance: minimum target ROI"),
        .init(
            "TRIAD_REALLOCATION_BOUND_BPS", .integer(0...10_000), default: "3000", service: .finance,
            "finance: how far the reallocation may move a channel from its current amount, either way"),
        .init(
            "TRIAD_IT_ATTRIBUTION_WINDOW_DAYS", .integer(0...3650), default: "30", service: .it,
            "IT: attribution window (every model's touches)"),
        .init(
            "TRIAD_IT_INACTIVITY_DAYS", .integer(1...3650), default: "60", service: .it,
            "IT: churn-risk inactivity threshold"),
        .init(
            "TRIAD_IT_MARKOV_INTERVAL_MS", .integer(1000...86_400_000), default: "60000", service: .it,
            "IT: how often the data-driven (Markov) attribution is computed, on one instance"),
        .init(
            "TRIAD_IT_MAX_EVENT_TIME_AHEAD_HOURS", .integer(0...87_600), default: "720", service: .it,
            "IT: an interaction whose `occurredAt` is further ahead of the wall clock is dead-lettered"),
        .init(
            "TRIAD_IT_TIME_DECAY_HALF_LIFE_HOURS", .integer(1...87_600), default: "168", service: .it,
            "IT: time-decay attribution's half-life (a touch this long before the purchase weighs half)"),
        .init(
            "TRIAD_BRIEFING_SCALE_MAX_SPEND_PERCENT", .integer(0...10_000), default: "80", service: .marketing,
            "marketing: *scale* needs spend under this share"),
        .init(
            "TRIAD_BRIEFING_PAUSE_MIN_SPEND_PERCENT", .integer(0...10_000), default: "50", service: .marketing,
            "marketing: *pause* needs spend at or over this share"),
        .init(
            "TRIAD_BRIEFING_RETENTION_THRESHOLD", .integer(1...Int64(Int32.max)), default: "10", service: .marketing,
            "marketing: churn-risk customers per segment for *retention campaign*"),
    ]
}
