import Foundation
import TestSupport
import Testing

/// Bearer tokens, body limits and secrets, against a real marketing process.
@Suite(.serialized) struct AccessControlTests {
    static let token = "a-test-token-of-sufficient-length"
    let plan = #"{"id":"c-1","name":"n","channel":"email","segment":"s","requestedBudget":{"amountMinor":100,"currency":"EUR"},"startDate":"2026-10-01","endDate":"2026-10-31","targetRoiBps":2000}"#

    func send(_ http: HTTPJSON, _ method: String, _ path: String, token: String?, body: String? = nil) async throws -> HTTPJSON.Reply {
        var headers: [String: String] = [:]
        if let token { headers["Authorization"] = "Bearer \(token)" }
        return try await http.send(method, path, body: body.map { Data($0.utf8) }, headers: headers)
    }

    @Test func tokensGuardChangesReadsOnRequestAndSecretsStayOutOfLogs() async throws {
        let logs = Paths.scratch("access")
        let broker = try await LocalBroker.start(logDirectory: logs)
        let services = TriadServices(broker: broker, logs: logs)
        try services.start(
            .marketing,
            environment: [
                "TRIAD_API_TOKEN": Self.token, "TRIAD_HTTP_MAX_BODY_BYTES": "2048", "TRIAD_LOG_FORMAT": "json",
                "TRIAD_KAFKA_SASL_USERNAME": "someone", "TRIAD_KAFKA_SASL_PASSWORD": "sasl-secret-never-logged",
            ])
        try services.start(
            .finance, environment: ["TRIAD_API_TOKEN": Self.token, "TRIAD_API_PROTECT_READS": "true"])
        do {
            try await services.waitUntilReady()
            let marketing = services.http(.marketing), finance = services.http(.finance)

            let anonymous = try await send(marketing, "POST", "/campaigns", token: nil, body: plan)
            #expect(anonymous.status == 401)
            #expect(anonymous.text.contains("Authorization"))
            #expect(try await send(marketing, "POST", "/campaigns", token: "wrong-token-wrong-token", body: plan).status == 401)
            #expect(try await send(marketing, "POST", "/campaigns", token: Self.token + "x", body: plan).status == 401)
            #expect(try await send(marketing, "POST", "/campaigns/c-1/launch", token: nil).status == 401)
            #expect(try await send(marketing, "POST", "/campaigns", token: Self.token, body: plan).status == 201)
            // The scheme name is case-insensitive (RFC 9110).
            let lowercase = try await marketing.send(
                "POST", "/campaigns/c-1/pause", body: nil, headers: ["Authorization": "bearer  \(Self.token)"])
            #expect(lowercase.status == 409, "authorized, then refused as a transition: \(lowercase.text)")
            // Every error has the same JSON shape, unknown routes included.
            let unknown = try await send(marketing, "GET", "/no/such/route", token: nil)
            #expect(unknown.status == 404)
            #expect((unknown.object["error"] as? [String: Any])?["code"] as? String == "not-found", "\(unknown.text)")
            // Ids are percent-decoded from the path.
            let spaced = plan.replacingOccurrences(of: #""id":"c-1""#, with: #""id":"c 2/é""#)
            #expect(try await send(marketing, "POST", "/campaigns", token: Self.token, body: spaced).status == 201)
            #expect(try await send(marketing, "GET", "/campaigns/c%202%2F%C3%A9", token: nil).object["id"] as? String == "c 2/é")
            // Reads stay open unless TRIAD_API_PROTECT_READS is set.
            #expect(try await send(marketing, "GET", "/campaigns/c-1", token: nil).status == 200)
            #expect(try await send(finance, "GET", "/envelope", token: nil).status == 401)
            #expect(try await send(finance, "GET", "/envelope", token: Self.token).status == 200)
            #expect(try await send(finance, "GET", "/health/ready", token: nil).status == 200, "health stays open")
            #expect(try await send(finance, "GET", "/metrics", token: nil).status == 401)

            let huge = #"{"name":""# + String(repeating: "x", count: 4096) + #""}"#
            let tooLarge = try await send(marketing, "POST", "/campaigns", token: Self.token, body: huge)
            #expect(tooLarge.status == 413)
        } catch {
            _ = await services.stopAll()
            await broker.stop()
            throw error
        }
        _ = await services.stopAll()
        await broker.stop()

        let log = services.processes[.marketing]!.output
        #expect(!log.contains(Self.token))
        #expect(!log.contains("sasl-secret-never-logged"))
        let lines = log.split(separator: "\n")
        #expect(!lines.isEmpty)
        for line in lines {
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            #expect(object?["message"] != nil && object?["level"] != nil, "JSON log line: \(line)")
        }
    }

    @Test func badConfigurationIsRefusedNamingTheVariable() async throws {
        let logs = Paths.scratch("config")
        for (variable, value) in [
            ("TRIAD_API_TOKEN", "short"), ("TRIAD_HTTP_PORT", "http"), ("TRIAD_CURRENCY", "euro"),
            ("TRIAD_DATABASE_URL", "mysql://x"), ("TRIAD_LOG_FORMAT", "xml"), ("TRIAD_KAFKA_BROKERS", "nohost"),
            ("TRIAD_KAFKA_BROKERS", "localhost:abc"), ("TRIAD_KAFKA_BROKERS", "a:9092,b:70000"),
            ("TRIAD_DATABASE_URL", "postgres:///nohost"), ("TRIAD_DATABASE_URL", "postgres://u@h:5432/db?sslmode=sometimes"),
            ("TRIAD_DEDUPE_WINDOW_SECONDS", "0"), ("TRIAD_MAX_BATCH", "0"), ("TRIAD_MAX_BATCH_BYTES", "1024"),
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "collector:4318"), ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "ftp://collector"),
            ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"),
        ] {
            let process = try ManagedProcess(
                name: "config-\(variable)", executable: Paths.executable("it-service"), environment: [variable: value],
                logDirectory: logs)
            _ = try await eventually("it-service to refuse \(variable)", timeout: .seconds(10), every: .milliseconds(50)) {
                process.isRunning ? nil : true
            }
            #expect(await process.stop() == 78)
            #expect(process.output.contains("configuration error: \(variable):"), "\(process.output)")
        }
    }
}
