import Configuration
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

    public let service: Participant
    /// `TRIAD_KAFKA_BROKERS`: bootstrap servers, `host:port[,host:port…]`.
    public let brokers: String
    /// `TRIAD_GROUP_ID`: the consumer group; instances of one service share it.
    public let groupId: String
    public let httpHost: String
    public let httpPort: Int
    public let currency: Currency
    public let sessionTimeoutMilliseconds: Int64
    public let fetchWaitMilliseconds: Int64
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
    /// `TRIAD_HTTP_IDLE_TIMEOUT_MS`: a connection on which no part of a request arrives for this
    /// long is closed (an idle keep-alive connection, a request line or header block left unfinished,
    /// a body that stalls).
    public let httpIdleTimeoutMilliseconds: Int64
    /// `TRIAD_HTTP_REQUEST_READ_TIMEOUT_MS`: a request's body must have arrived this long after its
    /// head; a slower one is answered 408 and its connection closed.
    public let httpRequestReadTimeoutMilliseconds: Int64
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

    public init(service: Participant, defaultPort: Int, environment: ConfigReader) throws(ConfigurationError) {
        self.service = service
        brokers = try environment.text("TRIAD_KAFKA_BROKERS")
        groupId = try environment.text("TRIAD_GROUP_ID", default: "triad-\(service.rawValue)")
        httpHost = try environment.text("TRIAD_HTTP_HOST")
        httpPort = Int(try environment.integer("TRIAD_HTTP_PORT", default: Int64(defaultPort)))
        currency = try environment.currency("TRIAD_CURRENCY")
        sessionTimeoutMilliseconds = try environment.integer("TRIAD_KAFKA_SESSION_TIMEOUT_MS")
        fetchWaitMilliseconds = try environment.integer("TRIAD_KAFKA_FETCH_WAIT_MS")
        reportIntervalMilliseconds = try environment.integer("TRIAD_REPORT_INTERVAL_MS")
        let onPostgres = try environment.optionalText("TRIAD_DATABASE_URL")?.hasPrefix("postgres") ?? false
        maxBatchSize = Int(try environment.integer("TRIAD_MAX_BATCH", default: onPostgres ? 20_000 : 10_000))
        maxBatchBytes = Int(try environment.integer("TRIAD_MAX_BATCH_BYTES"))
        dedupeWindowSeconds = try environment.integer("TRIAD_DEDUPE_WINDOW_SECONDS")
        createTopics = try environment.flag("TRIAD_CREATE_TOPICS")
        logLevel = try environment.choice("TRIAD_LOG_LEVEL")
        logFormat = try environment.choice("TRIAD_LOG_FORMAT")
        apiToken = try environment.optionalText("TRIAD_API_TOKEN")
        protectReads = try environment.flag("TRIAD_API_PROTECT_READS")
        maxRequestBytes = Int(try environment.integer("TRIAD_HTTP_MAX_BODY_BYTES"))
        httpIdleTimeoutMilliseconds = try environment.integer("TRIAD_HTTP_IDLE_TIMEOUT_MS")
        httpRequestReadTimeoutMilliseconds = try environment.integer("TRIAD_HTTP_REQUEST_READ_TIMEOUT_MS")
        maxEventBytes = Int(try environment.integer("TRIAD_MAX_EVENT_BYTES"))
        // Room for a dead letter by default: the largest event accepted plus its dead-letter headers.
        let roomForADeadLetter = Int64(max(1_000_000, maxEventBytes + 65_536))
        messageMaxBytes = Int(try environment.integer("TRIAD_KAFKA_MESSAGE_MAX_BYTES", default: roomForADeadLetter))
        shutdownTimeoutMilliseconds = try environment.integer("TRIAD_SHUTDOWN_TIMEOUT_MS")
        databaseRecoveryTimeoutMilliseconds = try environment.integer("TRIAD_DATABASE_RECOVERY_TIMEOUT_MS")
        kafkaSecurity = try Self.kafkaSecurity(environment)
    }

    /// What is wrong with a `TRIAD_KAFKA_BROKERS` value, if anything.
    static func brokersProblem(_ brokers: String) -> String? {
        brokers.split(separator: ",", omittingEmptySubsequences: false).allSatisfy(isBroker)
            ? nil : "must be host:port[,host:port…] with ports 1–65535, got '\(brokers)'"
    }

    /// What is wrong with a `TRIAD_HTTP_HOST` value, if anything.
    static func listenHostProblem(_ host: String) -> String? {
        isHostNameOrAddress(host) ? nil : "must be a host name or an IP address to listen on, got '\(host)'"
    }

    /// What is wrong with a `TRIAD_API_TOKEN` value, if anything. It is sent as `Authorization: Bearer
    /// <token>`: visible ASCII, no spaces. The token is never repeated.
    static func tokenProblem(_ token: String) -> String? {
        guard token.utf8.allSatisfy({ (0x21...0x7E).contains($0) }) else {
            return "must be visible ASCII characters without spaces (it is sent in a header)"
        }
        return token.utf8.count >= 16 ? nil : "must be at least 16 characters (it has \(token.utf8.count))"
    }

    /// What is wrong with a `TRIAD_KAFKA_SSL_CA_LOCATION` value, if anything: librdkafka takes a
    /// file, a directory, or `probe` (its list of the usual places).
    static func certificateAuthorityProblem(_ location: String) -> String? {
        location == "probe" || FileManager.default.fileExists(atPath: location)
            ? nil : "must be a CA file or directory that exists (or probe), got '\(location)'"
    }

    /// `[protocol://]host:port`, as librdkafka reads one bootstrap server (an IPv6 host in brackets).
    static func isBroker(_ text: Substring) -> Bool {
        var entry = text.trimmingCharacters(in: .whitespaces)[...]
        if let scheme = entry.range(of: "://") { entry = entry[scheme.upperBound...] }
        guard let colon = entry.lastIndex(of: ":"), let port = Int(entry[entry.index(after: colon)...]),
            (1...65_535).contains(port)
        else { return false }
        var host = entry[..<colon]
        if host.hasPrefix("["), host.hasSuffix("]") { host = host.dropFirst().dropLast() }
        return isHostNameOrAddress(String(host))
    }

    /// The librdkafka security properties (their values checked by their variables' rules).
    static func kafkaSecurity(_ environment: ConfigReader) throws(ConfigurationError) -> [String: String] {
        var security: [String: String] = [:]
        security["security.protocol"] = try environment.optionalText("TRIAD_KAFKA_SECURITY_PROTOCOL")
        security["sasl.mechanism"] = try environment.optionalText("TRIAD_KAFKA_SASL_MECHANISM")
        let username = try environment.optionalText("TRIAD_KAFKA_SASL_USERNAME")
        let password = try environment.optionalText("TRIAD_KAFKA_SASL_PASSWORD")
        switch (username, password) {
        case (nil, .some):
            throw ConfigurationError(
                variable: "TRIAD_KAFKA_SASL_USERNAME", reason: "must be set with TRIAD_KAFKA_SASL_PASSWORD")
        case (.some, nil):
            throw ConfigurationError(
                variable: "TRIAD_KAFKA_SASL_PASSWORD", reason: "must be set with TRIAD_KAFKA_SASL_USERNAME")
        default:
            security["sasl.username"] = username
            security["sasl.password"] = password
        }
        security["ssl.ca.location"] = try environment.optionalText("TRIAD_KAFKA_SSL_CA_LOCATION")
        return security
    }

    /// A name to resolve (letters, digits, `-`, `_` as container names have, `.`) or an IPv4 or IPv6 address.
    static func isHostNameOrAddress(_ host: String) -> Bool {
        guard !host.isEmpty, host.utf8.count <= 253 else { return false }
        if host.contains(":") {
            return host.allSatisfy { $0.isHexDigit || $0 == ":" || $0 == "." }
        }
        let name = host.hasSuffix(".") ? host.dropLast() : host[...]  // a fully qualified name may end in a dot
        let labels = name.split(separator: ".", omittingEmptySubsequences: false)
        return labels.allSatisfy { label in
            !label.isEmpty && label.utf8.count <= 63 && label.first != "-" && label.last != "-"
                && label.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }
        }
    }

    public var kafka: KafkaConfiguration {
        KafkaConfiguration(bootstrapServers: brokers, properties: kafkaSecurity)
    }

    public var consumerKafka: KafkaConsumerConfiguration {
        KafkaConsumerConfiguration(
            client: kafka, groupID: groupId, clientID: "triad-\(service.rawValue)-consumer",
            sessionTimeout: .milliseconds(sessionTimeoutMilliseconds),
            heartbeatInterval: .milliseconds(max(sessionTimeoutMilliseconds / 3, 100)), maxBatchSize: maxBatchSize,
            maxBatchBytes: maxBatchBytes, fetchWait: .milliseconds(fetchWaitMilliseconds))
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
