import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Synchronization
import TestSupport
import Testing
import TriadEvents
import TriadRuntime
import TriadStorage
import TriadWire

/// A service's whole HTTP surface (`ServiceHost.router`) served in-process on a temporary SQLite
/// file: no broker, no socket. Events are applied through the service's own batch handler. The
/// file goes with the value.
final class RouterUnderTest: Sendable {
    let definition: ServiceDefinition
    let database: any Database
    let config: RuntimeConfig
    let directory: URL
    /// Each applied event is emitted one millisecond after the one before.
    private let clock = Mutex<Int64>(1_793_000_000_000)

    /// On `store`: the temporary SQLite file, or a new database on the local PostgreSQL.
    init(
        _ service: Participant, _ definition: ServiceDefinition, environment: [String: String] = [:],
        store: Store = .sqlite
    )
        async throws
    {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("triad-router-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        self.definition = definition
        config = try RuntimeConfig(service: service, defaultPort: 0, environment: .environment(environment))
        let url =
            store == .postgres
            ? try LocalPostgres.createDatabase("router_\(service.rawValue)")
            : "sqlite:\(directory.appendingPathComponent("\(service.rawValue).sqlite").path)"
        database = try await DatabaseConfig.open(
            url, migrations: Migrations.shared + definition.migrations, logger: Self.quiet)
    }

    static let quiet = Logger(label: "router-test", factory: { _ in SwiftLogNoOpLogHandler() })

    /// Applies `events` in one batch, as the pipeline would after decoding them; every one must be accepted.
    func apply(_ events: [DomainEvent]) async throws {
        let start = clock.withLock { now in
            defer { now += Int64(events.count) }
            return now
        }
        let incoming = events.enumerated().map { index, event in
            IncomingEvent(
                received: ReceivedEvent(
                    envelope: EventEnvelope(
                        id: "seed-\(UUID().uuidString)", source: "/tests", type: event.type, schemaVersion: 1,
                        time: Timestamp(millisecondsSinceEpoch: start + Int64(index)), subject: event.payload.subject),
                    event: event),
                topic: event.type.topic.name, partition: 0)
        }
        let handler = definition.handler
        let results = try await database.transaction { session in try handler(incoming, session) }
        for case .failure(let rejection) in results { Issue.record("a seed event was refused: \(rejection)") }
    }

    /// Runs `body` against the router.
    func test(
        ready: Bool = true, _ body: @escaping @Sendable (any TestClientProtocol) async throws -> Void
    ) async throws {
        let metrics = ServiceMetrics()
        let codec = EventCodec(rules: ValidationRules(currency: config.currency), maxValueBytes: config.maxEventBytes)
        let context = RouteContext(
            publisher: EventPublisher(codec: codec, source: config.source), codec: codec, config: config,
            logger: Self.quiet, database: database, nudgeRelay: {})
        let router = ServiceHost.router(
            definition: definition, context: context, metrics: metrics,
            readiness: {
                ready
                    ? Readiness(status: "ready", partitions: ["customer.interactions[0]"])
                    : Readiness(status: "waiting", partitions: [])
            })
        try await Application(router: router, logger: Self.quiet).test(.router, body)
    }

    deinit { try? FileManager.default.removeItem(at: directory) }

    /// The rows waiting in the outbox (what a route published).
    func outboxRows() async throws -> Int64 {
        try await database.read { try Outbox.backlog(in: $0) }
    }
}

extension TestClientProtocol {
    /// Status and body of one request.
    func call(
        _ method: HTTPRequest.Method, _ uri: String, json: String? = nil, headers: HTTPFields = [:]
    ) async throws -> (status: HTTPResponse.Status, body: String, headers: HTTPFields) {
        try await execute(uri: uri, method: method, headers: headers, body: json.map { ByteBuffer(string: $0) }) {
            response in
            (response.status, String(buffer: response.body), response.headers)
        }
    }

    /// A JSON object answered with `status`.
    func object(_ uri: String, status: HTTPResponse.Status = .ok) async throws -> [String: Any] {
        let (answered, body, _) = try await call(.get, uri)
        #expect(answered == status, "\(uri) answered \(answered): \(body)")
        let parsed = try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any]
        return try #require(parsed, "\(uri): \(body)")
    }

    /// The error a request is refused with: status, then the shared shape's code and field.
    func refusal(_ method: HTTPRequest.Method = .get, _ uri: String, json: String? = nil) async throws
        -> (status: HTTPResponse.Status, code: String?, field: String?, reason: String?)
    {
        let (status, body, _) = try await call(method, uri, json: json)
        let object = try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any]
        let error = try #require(object?["error"] as? [String: Any], "\(uri) did not answer the error shape: \(body)")
        return (status, error["code"] as? String, error["field"] as? String, error["reason"] as? String)
    }

    /// Every item of a list, page by page with `limit`, and the pages' sizes.
    func walk(_ path: String, limit: Int) async throws -> (items: [[String: Any]], pages: [Int]) {
        var items: [[String: Any]] = []
        var pages: [Int] = []
        var cursor: String?
        let separator = path.contains("?") ? "&" : "?"
        repeat {
            let page = try await object("\(path)\(separator)limit=\(limit)" + (cursor.map { "&after=\($0)" } ?? ""))
            let got = page["items"] as? [[String: Any]] ?? []
            items += got
            pages.append(got.count)
            cursor = page["next"] as? String
            if cursor != nil { #expect(got.count == limit, "a page with a next is full") }
        } while cursor != nil && pages.count < 1000
        return (items, pages)
    }
}
