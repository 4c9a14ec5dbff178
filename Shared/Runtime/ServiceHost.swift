import Configuration
import Foundation
import Hummingbird
import Logging
import Metrics
import ServiceLifecycle
import TriadEvents
import TriadKafka
import TriadStorage
import TriadWire
import UnixSignals

/// What makes one service different from the others; the host wires the rest. The topics it
/// consumes and produces come from the catalog (`Topic.consumers`, `Topic.producers`).
public struct ServiceDefinition: Sendable {
    /// The service's own HTTP API, one collection of routes.
    public typealias Routes = @Sendable (RouteContext) -> RouteCollection<APIRequestContext>

    /// The service's own tables, applied after the shared ones.
    public var migrations: [Migrations.Migration]
    public var handler: EventPipeline.Handler
    /// Coalesced reports to write every report interval, if the service has any.
    public var reports: PeriodicReporter.Collect?
    /// The event types the reports summarise: a report's span links to the spans of those events
    /// about its campaign, not to events the service reads and leaves alone.
    public var summarised: Set<EventType>
    /// Drops the service's own rows that are past their use (housekeeping, every few seconds).
    public var prune: Housekeeping.Prune?
    /// Computations run every so often on the instance that relays the outbox.
    public var periodic: [PeriodicTask]
    public var routes: Routes

    public init(
        migrations: [Migrations.Migration], handler: @escaping EventPipeline.Handler,
        reports: PeriodicReporter.Collect? = nil, summarised: Set<EventType> = Set(EventType.allCases),
        prune: Housekeeping.Prune? = nil, periodic: [PeriodicTask] = [], routes: @escaping Routes
    ) {
        self.migrations = migrations
        self.handler = handler
        self.reports = reports
        self.summarised = summarised
        self.prune = prune
        self.periodic = periodic
        self.routes = routes
    }
}

/// What a service's HTTP routes may use.
public struct RouteContext: Sendable {
    public let publisher: EventPublisher
    public let codec: EventCodec
    public let config: RuntimeConfig
    public let logger: Logger
    public let database: any Database
    /// Tells the outbox relay rows are waiting.
    let nudgeRelay: @Sendable () -> Void

    public init(
        publisher: EventPublisher, codec: EventCodec, config: RuntimeConfig, logger: Logger, database: any Database,
        nudgeRelay: @escaping @Sendable () -> Void
    ) {
        self.publisher = publisher
        self.codec = codec
        self.config = config
        self.logger = logger
        self.database = database
        self.nudgeRelay = nudgeRelay
    }

    /// Runs `body` in one transaction and writes the events it returns to the outbox with it; the
    /// relay publishes them once it commits.
    public func write<T: Sendable>(
        cause: Cause, _ body: @escaping @Sendable (any SQLSession) throws -> (T, [DomainEvent])
    ) async throws -> T {
        let publisher = self.publisher
        let value = try await database.transaction { session in
            let (value, events) = try body(session)
            let rows = try publisher.outgoing(events, cause: cause).map { event throws(EventRejection) in
                try publisher.outboxMessage(for: event)
            }
            try Outbox.append(rows, in: session)
            return value
        }
        nudgeRelay()
        return value
    }

    /// Runs `body` on a read-only view of the service's state.
    public func read<T: Sendable>(_ body: @escaping @Sendable (any SQLSession) throws -> T) async throws -> T {
        try await database.read(body)
    }
}

/// Builds and runs one service process: Kafka producer and consumer, the event pipeline,
/// coalesced reports and the HTTP server, all in one `ServiceGroup` that handles SIGTERM/SIGINT.
public enum ServiceHost {
    /// Bootstraps the process's logging; while tracing, lines carry `trace_id` and `span_id`.
    public static func makeLogger(_ config: RuntimeConfig, tracing: TracingSettings) -> Logger {
        let provider = tracing.isOn ? TracingSettings.loggingMetadataProvider() : nil
        LoggingSystem.bootstrap(
            { label, provider in
                switch config.logFormat {
                case .json:
                    return JSONLogHandler(label: label, logLevel: config.logLevel.level, metadataProvider: provider)
                case .text:
                    return TextLogHandler(label: label, logLevel: config.logLevel.level, metadataProvider: provider)
                }
            }, metadataProvider: provider)
        return Logger(label: "triad.\(config.service.rawValue)")
    }

    /// Builds the whole process; tests call this too.
    /// `metrics` is the registry `GET /metrics` renders; `telemetry` is the span exporter while
    /// tracing (`TracingSettings.bootstrap`), run first so that it stops last.
    public static func buildServiceGroup(
        config: RuntimeConfig, database: any Database, definition: ServiceDefinition, logger: Logger,
        metrics: ServiceMetrics = ServiceMetrics(), telemetry: (any Service)? = nil
    ) async throws -> ServiceGroup {
        // Every database call goes through the watch: outages are noticed, logged and timed.
        let database =
            database as? WatchedDatabase
            ?? WatchedDatabase(
                database, recoveryTimeout: .milliseconds(config.databaseRecoveryTimeoutMilliseconds), logger: logger)
        let version = LibrdkafkaVersion.loaded
        logger.info("librdkafka loaded", metadata: ["version": "\(version)"])
        try version.requireSupported()

        if config.createTopics {
            let topics =
                Set(Topic.consumed(by: config.service) + Topic.produced(by: config.service)).map {
                    ($0.name, $0.defaultPartitions)
                }
                + [(Topic.deadLetter(of: config.service), Int32(1))]
            try await KafkaAdmin(configuration: config.kafka).createTopics(topics.sorted { $0.0 < $1.0 })
        }

        let codec = EventCodec(rules: ValidationRules(currency: config.currency), maxValueBytes: config.maxEventBytes)
        let producer = try KafkaProducer(configuration: config.producerKafka, logger: logger)
        let publisher = EventPublisher(codec: codec, source: config.source)
        let relay = OutboxRelay(
            database: database, producer: producer, service: config.service.rawValue, logger: logger, metrics: metrics)
        let deadLetters = DeadLetters(service: config.service, metrics: metrics, logger: logger)
        let pipeline = EventPipeline(
            codec: codec, publisher: publisher, deadLetters: deadLetters, database: database, relay: relay,
            metrics: metrics, logger: logger, reportLinkTypes: definition.reports == nil ? [] : definition.summarised,
            handler: definition.handler
        )
        let consumer = try KafkaConsumer(
            configuration: config.consumerKafka, topics: Topic.consumed(by: config.service).map(\.name), logger: logger,
            stagedHandler: pipeline.prepare)

        // Messages not yet handled, by assigned partition.
        metrics.gauge("triad_consumer_lag") {
            consumer.lag().map {
                (labels: [("topic", $0.key.topic), ("partition", String($0.key.partition))], value: Double($0.value))
            }
        }
        // 1 while the database is available, 0 during an outage.
        metrics.gauge("triad_database_available") {
            [(labels: [], value: database.health() == .available ? 1 : 0)]
        }
        // Gauges that query the database answer from a result at most a second old.
        // Rows in the outbox not yet published.
        metrics.gauge(
            "triad_outbox_backlog",
            ServiceMetrics.cached(for: .seconds(1)) {
                guard let rows = try? await database.read({ try Outbox.backlog(in: $0) }) else { return [] }
                return [(labels: [], value: Double(rows))]
            })
        // Event ids kept to recognise redeliveries (the dedupe window).
        metrics.gauge(
            "triad_applied_event_ids",
            ServiceMetrics.cached(for: .seconds(1)) {
                guard let rows = try? await database.read({ try AppliedEvents.count(in: $0) }) else { return [] }
                return [(labels: [], value: Double(rows))]
            })
        // Bytes the service's database takes on disk.
        metrics.gauge(
            "triad_database_bytes",
            ServiceMetrics.cached(for: .seconds(1)) {
                guard let bytes = try? await database.sizeInBytes() else { return [] }
                return [(labels: [], value: Double(bytes))]
            })

        let context = RouteContext(
            publisher: publisher, codec: codec, config: config, logger: logger, database: database,
            nudgeRelay: { relay.nudge() })
        let router = router(
            definition: definition, context: context, metrics: metrics,
            readiness: {
                let partitions = consumer.assignedPartitions.map(\.description).sorted()
                switch database.health() {
                case .unavailable, .failed:
                    // The cause is in the log: health is public, and it names hosts and files.
                    return Readiness(status: "database unavailable", partitions: partitions)
                case .available:
                    return consumer.isAssigned
                        ? Readiness(status: "ready", partitions: partitions)
                        : Readiness(status: "waiting for a partition assignment", partitions: [])
                }
            },
            liveness: {
                guard case .failed = database.health() else { return nil }
                return
                    "the database has been unavailable, or a call to it stuck, past TRIAD_DATABASE_RECOVERY_TIMEOUT_MS"
            })
        let app = Application(
            router: router, server: httpServer(config),
            configuration: ApplicationConfiguration(
                address: .hostname(config.httpHost, port: config.httpPort),
                serverName: "triad-\(config.service.rawValue)"),
            logger: logger)

        // Shutdown runs in reverse order, each step with its own deadline: HTTP stops, the consumer
        // finishes its batch, commits and leaves the group, the last reports are written, the relay
        // publishes what is left in the outbox, and the producer flushes.
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = telemetry.map { [.init(service: $0)] } ?? []
        services += [
            .init(service: SignalEscalation()),
            .init(
                service: DatabaseWatchdog(
                    database: database, shutdownTimeout: .milliseconds(config.shutdownTimeoutMilliseconds),
                    logger: logger)),
            .init(service: producer), .init(service: relay),
            .init(
                service: Housekeeping(
                    database: database, relay: relay, dedupeWindow: .seconds(config.dedupeWindowSeconds),
                    metrics: metrics,
                    logger: logger, prune: definition.prune)),
        ]
        if let reports = definition.reports {
            services.append(
                .init(
                    service: PeriodicReporter(
                        interval: .milliseconds(config.reportIntervalMilliseconds), database: database,
                        publisher: publisher, relay: relay, logger: logger, collect: reports)))
        }
        services += definition.periodic.map {
            .init(service: PeriodicTaskRunner(task: $0, context: context, relay: relay))
        }
        services.append(.init(service: consumer))
        services.append(.init(service: app))
        var groupConfig = ServiceGroupConfiguration(services: services, logger: logger)
        groupConfig.gracefulShutdownSignals = [.sigterm, .sigint]
        groupConfig.maximumGracefulShutdownDuration = .milliseconds(config.shutdownTimeoutMilliseconds)
        return ServiceGroup(configuration: groupConfig)
    }

    /// The whole HTTP surface of a service: the shared middleware (security headers, tracing, request
    /// metrics, error shape, bearer token), health and metrics, and the service's own routes. The
    /// process serves it; tests call it in-process (`app.test(.router)`) on a temporary database.
    /// `liveness` says why the process cannot make progress, or nil while it can.
    public static func router(
        definition: ServiceDefinition, context: RouteContext, metrics: ServiceMetrics,
        readiness: @escaping @Sendable () -> Readiness, liveness: @escaping @Sendable () -> String? = { nil }
    ) -> Router<APIRequestContext> {
        let router = Router(context: APIRequestContext.self)
        // Outermost, where a thrown `APIError` becomes its JSON answer.
        router.add(middleware: SecurityHeadersMiddleware())
        // A span per request (continuing the caller's `traceparent`) and Hummingbird's request metrics,
        // both through the process-wide tracer and metrics factory; outside the error middleware, they
        // see every error as the `APIError` it is answered with (its status).
        router.add(middleware: TracingMiddleware())
        router.add(middleware: MetricsMiddleware())
        router.add(middleware: APIErrorMiddleware(logger: context.logger))
        if let token = context.config.apiToken {
            router.add(
                middleware: BearerTokenMiddleware(token: Array(token.utf8), protectReads: context.config.protectReads))
        } else {
            context.logger.warning(
                "TRIAD_API_TOKEN is not set: state-changing endpoints accept anyone (fine for a local run only)")
        }
        // Live while the process makes progress, or retries a database within its recovery timeout.
        router.get("/health/live") { _, _ in
            guard let reason = liveness() else {
                return EditedResponse(response: Liveness(status: "live", reason: nil))
            }
            return EditedResponse(status: .serviceUnavailable, response: Liveness(status: "not live", reason: reason))
        }
        router.get("/health/ready") { _, _ in
            let state = readiness()
            return EditedResponse(status: state.isReady ? .ok : .serviceUnavailable, response: state)
        }
        router.get("/metrics") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                body: ResponseBody(byteBuffer: ByteBuffer(string: await metrics.prometheusText())))
        }
        router.addRoutes(definition.routes(context))
        return router
    }

    /// The body of every service's `main`: reads configuration, runs until SIGTERM/SIGINT, and
    /// returns the process exit code. Configuration errors name the variable and exit with 78.
    public static func main(
        service: Participant, defaultPort: Int,
        define: @Sendable (RuntimeConfig, ConfigReader, Logger) throws(ConfigurationError) -> ServiceDefinition
    ) async -> Int32 {
        if CommandLine.arguments.contains("--list-environment") {
            return listEnvironment(service: service, defaultPort: defaultPort, define: define)
        }
        if CommandLine.arguments.contains("--configuration-table") {
            print(EnvironmentVariable.markdownTable, terminator: "")
            return 0
        }
        let environment = ConfigReader.environment()
        let config: RuntimeConfig
        let definition: ServiceDefinition
        let logger: Logger
        let databaseURL: String
        let poolSize: Int
        let metrics = ServiceMetrics()
        let telemetry: (any Service)?
        do {
            config = try RuntimeConfig(service: service, defaultPort: defaultPort, environment: environment)
            databaseURL = try DatabaseConfig.url(service: service.rawValue, environment: environment)
            poolSize = try DatabaseConfig.poolSize(environment: environment)
            let tracing = try TracingSettings(service: service, environment: environment)
            logger = makeLogger(config, tracing: tracing)
            definition = try define(config, environment, logger)
            MetricsSystem.bootstrap(metrics.factory)
            telemetry = try tracing.bootstrap(logger: logger)
        } catch {
            FileHandle.standardError.write(Data("\(service.rawValue)-service: configuration error: \(error)\n".utf8))
            return 78
        }
        do {
            logger.info(
                "starting",
                metadata: [
                    "brokers": "\(config.brokers)", "group": "\(config.groupId)",
                    "http": "\(config.httpHost):\(config.httpPort)", "currency": "\(config.currency)",
                ])
            let database = try await DatabaseConfig.open(
                databaseURL, migrations: Migrations.shared + definition.migrations, logger: logger,
                recoveryTimeout: .milliseconds(config.databaseRecoveryTimeoutMilliseconds), poolSize: poolSize)
            let group = try await buildServiceGroup(
                config: config, database: database, definition: definition, logger: logger, metrics: metrics,
                telemetry: telemetry)
            try await group.run()
            await database.close()
            logger.info("stopped")
            return 0
        } catch let error as DatabaseGaveUp {
            logger.critical("\(service.rawValue)-service stopped: \(error)")
            return DatabaseGaveUp.exitStatus
        } catch let error as DatabaseUnavailable {
            logger.critical("\(service.rawValue)-service gave up on the database: \(error)")
            return DatabaseGaveUp.exitStatus
        } catch {
            logger.critical("\(service.rawValue)-service failed: \(error)")
            return 1
        }
    }
}

extension ServiceHost {
    /// `--list-environment`: every variable the service reads, one per line, with `required` for
    /// those a deployment must set (their defaults only suit a local run) and `optional` for the rest.
    /// The configuration is read once without an environment first: a variable listed but not read
    /// (left in `EnvironmentVariable.all` after the code stopped reading it) fails the listing.
    static func listEnvironment(
        service: Participant, defaultPort: Int,
        define: @Sendable (RuntimeConfig, ConfigReader, Logger) throws(ConfigurationError) -> ServiceDefinition
    ) -> Int32 {
        let read = VariablesRead()
        let environment = ConfigReader.environment([:], accessReporter: read)
        do {
            let config = try RuntimeConfig(service: service, defaultPort: defaultPort, environment: environment)
            _ = try DatabaseConfig.url(service: service.rawValue, environment: environment)
            _ = try DatabaseConfig.poolSize(environment: environment)
            _ = try TracingSettings(service: service, environment: environment)
            _ = try define(
                config, environment, Logger(label: "list-environment", factory: { _ in SwiftLogNoOpLogHandler() }))
        } catch {
            FileHandle.standardError.write(Data("cannot list the environment: \(error)\n".utf8))
            return 1
        }
        let unread = EnvironmentVariable.read(by: service).map(\.name).filter { !read.names.contains($0) }
        guard unread.isEmpty else {
            FileHandle.standardError.write(Data("listed but never read: \(unread.joined(separator: ", "))\n".utf8))
            return 1
        }
        for variable in EnvironmentVariable.read(by: service) {
            print("\(variable.name) \(variable.isRequiredInDeployment ? "required" : "optional")")
        }
        return 0
    }
}

/// What `/health/live` answers: why the process cannot make progress, when it cannot.
struct Liveness: ResponseEncodable {
    let status: String
    let reason: String?
}

/// What `/health/ready` answers: ready once the consumer group has given this instance its share.
public struct Readiness: ResponseEncodable, Sendable {
    public let status: String
    public let partitions: [String]

    public init(status: String, partitions: [String]) {
        self.status = status
        self.partitions = partitions
    }

    var isReady: Bool { status == "ready" }
}
