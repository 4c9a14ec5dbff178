import Foundation
import Logging
import TriadEvents
import TriadKafka

/// What every service process needs, read from `TRIAD_*` environment variables.
public struct RuntimeConfig: Sendable {
    public enum LogLevel: String, CaseIterable, Sendable {
        case trace, debug, info, notice, warning, error, critical
        var level: Logger.Level { Logger.Level(rawValue: rawValue)! }
    }

    public enum LogFormat: String, CaseIterable, Sendable {
        case text, json
    }

    public let service: Producer
    /// `TRIAD_KAFKA_BROKERS`: bootstrap servers, `host:port[,host:port…]`.
    public let brokers: String
    /// `TRIAD_GROUP_ID`: the consumer group; instances of one service share it.
    public let groupId: String
    public let httpHost: String
    public let httpPort: Int
    public let currency: Currency
    public let sessionTimeoutMilliseconds: Int64
    /// How often coalesced reports (ROI, performance) go out.
    public let reportIntervalMilliseconds: Int64
    /// `TRIAD_MAX_BATCH` / `TRIAD_MAX_BATCH_BYTES`: a batch closes at this many messages or bytes.
    /// The message count defaults to 10,000 on SQLite and 20,000 on PostgreSQL, where each of a
    /// batch's statements costs a network round trip.
    public let maxBatchSize: Int
    public let maxBatchBytes: Int
    /// `TRIAD_DEDUPE_WINDOW_SECONDS`: how long applied event ids (and dead-lettered positions) are
    /// kept to recognise a redelivery. An event delivered again after this is applied again.
    public let dedupeWindowSeconds: Int64
    /// Create the topics this service uses at start (idempotent).
    public let createTopics: Bool
    public let logLevel: LogLevel
    public let logFormat: LogFormat
    /// `TRIAD_API_TOKEN`: when set, state-changing HTTP requests need it as a bearer token.
    public let apiToken: String?
    /// `TRIAD_API_PROTECT_READS`: reads need the token too.
    public let protectReads: Bool
    /// librdkafka security properties (`security.protocol`, SASL, CA file); values never logged.
    public let kafkaSecurity: [String: String]
    /// Largest request body the HTTP API reads.
    public let maxRequestBytes: Int
    /// Kafka values larger than this are dead-lettered unread.
    public let maxEventBytes: Int
    /// The largest message the brokers take (their `message.max.bytes`): the producer refuses a
    /// larger one itself, and the outbox relay sets it aside in `outbox_failed`.
    public let messageMaxBytes: Int
    /// The whole graceful shutdown's deadline; a second SIGTERM ends the process at once.
    public let shutdownTimeoutMilliseconds: Int64
    /// `TRIAD_DATABASE_RECOVERY_TIMEOUT_MS`: how long the database may stay unavailable while the
    /// service retries; past it the process exits with 75. Below librdkafka's max.poll.interval.ms
    /// (300 s), so the consumer keeps its partitions meanwhile.
    public let databaseRecoveryTimeoutMilliseconds: Int64

    public init(service: Producer, defaultPort: Int, environment: EnvironmentReader) throws(ConfigurationError) {
        self.service = service
        brokers = environment.string("TRIAD_KAFKA_BROKERS", default: "127.0.0.1:9092", requiredInDeployment: true)
        groupId = environment.string("TRIAD_GROUP_ID", default: "triad-\(service.rawValue)")
        httpHost = environment.string("TRIAD_HTTP_HOST", default: "127.0.0.1", requiredInDeployment: true)
        httpPort = try environment.port("TRIAD_HTTP_PORT", default: defaultPort)
        currency = try environment.currency("TRIAD_CURRENCY", default: .euro)
        sessionTimeoutMilliseconds = try environment.integer(
            "TRIAD_KAFKA_SESSION_TIMEOUT_MS", default: 6000, in: 1000...3_600_000)
        reportIntervalMilliseconds = try environment.integer("TRIAD_REPORT_INTERVAL_MS", default: 1000, in: 10...3_600_000)
        let onPostgres = environment.optionalString("TRIAD_DATABASE_URL")?.hasPrefix("postgres") ?? false
        maxBatchSize = Int(try environment.integer("TRIAD_MAX_BATCH", default: onPostgres ? 20_000 : 10_000, in: 1...100_000))
        maxBatchBytes = Int(try environment.integer("TRIAD_MAX_BATCH_BYTES", default: 16 << 20, in: 65_536...(1 << 30)))
        dedupeWindowSeconds = try environment.integer(
            "TRIAD_DEDUPE_WINDOW_SECONDS", default: 7 * 86_400, in: 1...(10 * 365 * 86_400))
        createTopics = try environment.boolean("TRIAD_CREATE_TOPICS", default: true)
        logLevel = try environment.choice("TRIAD_LOG_LEVEL", default: LogLevel.info)
        logFormat = try environment.choice("TRIAD_LOG_FORMAT", default: LogFormat.text)
        apiToken = environment.secret("TRIAD_API_TOKEN", requiredInDeployment: true)
        protectReads = try environment.boolean("TRIAD_API_PROTECT_READS", default: false)
        if let apiToken, apiToken.utf8.count < 16 {
            throw ConfigurationError(variable: "TRIAD_API_TOKEN", reason: "must be at least 16 characters (it has \(apiToken.utf8.count))")
        }
        maxRequestBytes = Int(try environment.integer("TRIAD_HTTP_MAX_BODY_BYTES", default: 65_536, in: 1024...16_777_216))
        maxEventBytes = Int(try environment.integer("TRIAD_MAX_EVENT_BYTES", default: 1_048_576, in: 1024...67_108_864))
        // Room for a dead letter by default: the largest event accepted plus its dead-letter headers.
        messageMaxBytes = Int(
            try environment.integer(
                "TRIAD_KAFKA_MESSAGE_MAX_BYTES", default: Int64(max(1_000_000, maxEventBytes + 65_536)), in: 1000...1_000_000_000))
        shutdownTimeoutMilliseconds = try environment.integer("TRIAD_SHUTDOWN_TIMEOUT_MS", default: 30_000, in: 1000...600_000)
        databaseRecoveryTimeoutMilliseconds = try environment.integer(
            "TRIAD_DATABASE_RECOVERY_TIMEOUT_MS", default: 120_000, in: 1000...280_000)
        var security: [String: String] = [:]
        let securityVariables = [
            ("TRIAD_KAFKA_SECURITY_PROTOCOL", "security.protocol"), ("TRIAD_KAFKA_SASL_MECHANISM", "sasl.mechanism"),
            ("TRIAD_KAFKA_SASL_USERNAME", "sasl.username"), ("TRIAD_KAFKA_SASL_PASSWORD", "sasl.password"),
            ("TRIAD_KAFKA_SSL_CA_LOCATION", "ssl.ca.location"),
        ]
        for (variable, property) in securityVariables {
            let value = property == "sasl.password" ? environment.secret(variable) : environment.optionalString(variable)
            if let value { security[property] = value }
        }
        kafkaSecurity = security
        for broker in brokers.split(separator: ",", omittingEmptySubsequences: false) {
            let entry = broker.trimmingCharacters(in: .whitespaces)
            guard let colon = entry.lastIndex(of: ":"), colon != entry.startIndex,
                let port = Int(entry[entry.index(after: colon)...]), (1...65_535).contains(port)
            else {
                throw ConfigurationError(
                    variable: "TRIAD_KAFKA_BROKERS",
                    reason: "must be host:port[,host:port…] with ports 1–65535, got '\(brokers)'")
            }
        }
    }

    public var kafka: KafkaConfiguration {
        KafkaConfiguration(bootstrapServers: brokers, properties: kafkaSecurity)
    }

    public var consumerKafka: KafkaConfiguration {
        kafka.with([
            "group.id": groupId, "session.timeout.ms": String(sessionTimeoutMilliseconds),
            "heartbeat.interval.ms": String(max(sessionTimeoutMilliseconds / 3, 100)),
            "client.id": "triad-\(service.rawValue)-consumer",
        ])
    }

    public var producerKafka: KafkaConfiguration {
        // Deliveries give up well before the consumer's max.poll.interval.ms (300 s): a handler
        // waiting on them must not get its member thrown out of the group.
        kafka.with([
            "client.id": "triad-\(service.rawValue)-producer", "linger.ms": "5", "message.timeout.ms": "60000",
            "message.max.bytes": String(messageMaxBytes),
        ])
    }

    /// The CloudEvents `source` of what this service emits: the catalog's, which consumers check.
    public var source: String { service.eventSource ?? "/triad/\(service.rawValue)" }
}
