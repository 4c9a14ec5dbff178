/// How a consumer-group member is set up: the client's properties (brokers, security) plus the
/// group's settings and the consumer's batching, rendered into librdkafka properties in one place.
public struct KafkaConsumerConfiguration: Sendable {
    /// Where a partition the group has committed nothing for starts.
    public enum OffsetReset: String, Sendable {
        case earliest, latest
    }

    /// Bootstrap servers and the deployment's own properties (security, say): passed to librdkafka
    /// as given, which checks them when the consumer is created.
    public var client: KafkaConfiguration
    /// `group.id`: members of one group share the topics' partitions.
    public var groupID: String
    /// `client.id`, as brokers log it; librdkafka's default when nil.
    public var clientID: String?
    /// `session.timeout.ms`: a member not heard from for this long loses its partitions.
    public var sessionTimeout: Duration?
    /// `heartbeat.interval.ms`.
    public var heartbeatInterval: Duration?
    /// `auto.offset.reset`.
    public var offsetReset: OffsetReset
    /// `enable.auto.commit`: stored offsets are also committed periodically, not only on revoke
    /// and on shutdown.
    public var commitsPeriodically: Bool
    /// A batch closes at this many messages…
    public var maxBatchSize: Int
    /// …or once its messages (keys, values and headers) reach this many bytes, so large messages
    /// make smaller batches.
    public var maxBatchBytes: Int
    /// How long shutdown waits for the final commit and group leave.
    public var closeTimeout: Duration
    /// `fetch.wait.max.ms`: the longest a fetch request waits on the broker for data. Kafka answers
    /// as soon as data arrives, but a broker may hold the request for the whole wait (the local
    /// broker does): then it is what a light stream's event waits before it is read. librdkafka's
    /// default is 500 ms; each idle partition leader is asked again this often.
    public var fetchWait: Duration

    public init(
        client: KafkaConfiguration, groupID: String, clientID: String? = nil, sessionTimeout: Duration? = nil,
        heartbeatInterval: Duration? = nil, offsetReset: OffsetReset = .earliest, commitsPeriodically: Bool = true,
        maxBatchSize: Int = 500, maxBatchBytes: Int = 16 << 20, closeTimeout: Duration = .seconds(10),
        fetchWait: Duration = .milliseconds(20)
    ) {
        self.client = client
        self.groupID = groupID
        self.clientID = clientID
        self.sessionTimeout = sessionTimeout
        self.heartbeatInterval = heartbeatInterval
        self.offsetReset = offsetReset
        self.commitsPeriodically = commitsPeriodically
        self.maxBatchSize = maxBatchSize
        self.maxBatchBytes = maxBatchBytes
        self.closeTimeout = closeTimeout
        self.fetchWait = fetchWait
    }

    /// Properties the consumer decides itself, whatever the client's properties say: offsets are
    /// stored only once a batch is handled, a revoke always means "give everything back" (eager
    /// assignment), and reaching a partition's end is no event.
    static let fixed: [String: String] = [
        "enable.auto.offset.store": "false",
        "partition.assignment.strategy": "range,roundrobin",
        "enable.partition.eof": "false",
    ]

    /// The librdkafka properties of this configuration. A client property the typed settings or
    /// `fixed` cover is refused, so no setting is made in two places.
    func rendered() throws(KafkaError) -> KafkaConfiguration {
        guard !groupID.isEmpty else { throw KafkaError(.configuration, "group.id is required for a consumer") }
        var settings = Self.fixed
        settings["group.id"] = groupID
        settings["client.id"] = clientID
        settings["session.timeout.ms"] = sessionTimeout.map(Self.milliseconds)
        settings["heartbeat.interval.ms"] = heartbeatInterval.map(Self.milliseconds)
        settings["auto.offset.reset"] = offsetReset.rawValue
        settings["enable.auto.commit"] = String(commitsPeriodically)
        settings["fetch.wait.max.ms"] = Self.milliseconds(fetchWait)
        if let name = client.properties.keys.sorted().first(where: { Self.typedNames.contains($0) }) {
            throw KafkaError(.configuration, "\(name) is a consumer setting, not a client property")
        }
        return client.with(settings)
    }

    /// Every property this type sets itself.
    static let typedNames: Set<String> = Set(fixed.keys).union([
        "group.id", "client.id", "session.timeout.ms", "heartbeat.interval.ms", "auto.offset.reset",
        "enable.auto.commit", "fetch.wait.max.ms",
    ])

    private static func milliseconds(_ duration: Duration) -> String {
        String(duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000)
    }
}
