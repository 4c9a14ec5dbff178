import Foundation
import TestSupport
import Testing

/// Bearer tokens, body limits and secrets, against a real marketing process.
@Suite(.serialized) struct AccessControlTests {
    static let token = "a-test-token-of-sufficient-length"
    let plan =
        #"{"id":"c-1","name":"n","channel":"email","segment":"s","requestedBudget":{"amountMinor":100,"currency":"EUR"},"startDate":"2026-10-01","endDate":"2026-10-31","targetRoiBps":2000}"#

    func send(_ http: HTTPJSON, _ method: String, _ path: String, token: String?, body: String? = nil) async throws
        -> HTTPJSON.Reply
    {
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
            let marketing = services.http(.marketing)
            let finance = services.http(.finance)

            let anonymous = try await send(marketing, "POST", "/campaigns", token: nil, body: plan)
            #expect(anonymous.status == 401)
            #expect(anonymous.text.contains("Authorization"))
            #expect(
                try await send(marketing, "POST", "/campaigns", token: "wrong-token-wrong-token", body: plan).status
                    == 401)
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
            #expect(
                try await send(marketing, "GET", "/campaigns/c%202%2F%C3%A9", token: nil).object["id"] as? String
                    == "c 2/é")
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

    /// A bad value for every variable a service reads (`--list-environment`), refused by the
    /// executable with status 78 and a message naming the variable; the secret ones are not repeated.
    static let badValues: [String: [String]] = [
        "TRIAD_KAFKA_BROKERS": ["nohost", "localhost:abc", "a:9092,b:70000", "bad host:9092"],
        "TRIAD_GROUP_ID": [" triad"],
        "TRIAD_HTTP_HOST": ["local host"],
        "TRIAD_HTTP_PORT": ["http", "0", "65536"],
        "TRIAD_CURRENCY": ["euro"],
        "TRIAD_KAFKA_SESSION_TIMEOUT_MS": ["999"],
        "TRIAD_KAFKA_FETCH_WAIT_MS": ["0"],
        "TRIAD_REPORT_INTERVAL_MS": ["9223372036854775807"],
        "TRIAD_MAX_BATCH": ["0"],
        "TRIAD_MAX_BATCH_BYTES": ["1024"],
        "TRIAD_DEDUPE_WINDOW_SECONDS": ["0"],
        "TRIAD_CREATE_TOPICS": ["maybe"],
        "TRIAD_LOG_LEVEL": ["verbose"],
        "TRIAD_LOG_FORMAT": ["xml"],
        "TRIAD_API_TOKEN": ["short", "                        ", " spaces-around-a-long-token "],
        "TRIAD_API_PROTECT_READS": ["sometimes"],
        "TRIAD_HTTP_MAX_BODY_BYTES": ["1023"],
        "TRIAD_HTTP_IDLE_TIMEOUT_MS": ["0"],
        "TRIAD_HTTP_REQUEST_READ_TIMEOUT_MS": ["0"],
        "TRIAD_DATABASE_URL": ["mysql://x", "postgres:///nohost", "postgres://u@h:5432/db?sslmode=sometimes"],
        "TRIAD_DATABASE_RECOVERY_TIMEOUT_MS": ["0"],
        "TRIAD_DATABASE_POOL_SIZE": ["0"],
        "TRIAD_MAX_EVENT_BYTES": ["1023"],
        "TRIAD_KAFKA_MESSAGE_MAX_BYTES": ["999"],
        "TRIAD_SHUTDOWN_TIMEOUT_MS": ["999"],
        "TRIAD_KAFKA_SECURITY_PROTOCOL": ["tls"],
        "TRIAD_KAFKA_SASL_MECHANISM": ["KERBEROS"],
        "TRIAD_KAFKA_SASL_USERNAME": [" user"],
        "TRIAD_KAFKA_SASL_PASSWORD": ["sasl-secret-with-a-newline\n"],
        "TRIAD_KAFKA_SSL_CA_LOCATION": ["/no/such/ca.pem"],
        "OTEL_EXPORTER_OTLP_ENDPOINT": ["collector:4318", "http://127.0.0.1:99999"],
        "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": ["ftp://collector", "http://127.0.0.1:0/v1/traces"],
        "OTEL_EXPORTER_OTLP_PROTOCOL": ["grpc"],
        "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL": ["grpc"],
        "OTEL_EXPORTER_OTLP_HEADERS": ["api-key-without-a-value"],
        "OTEL_EXPORTER_OTLP_TRACES_HEADERS": ["=x"],
        "OTEL_EXPORTER_OTLP_COMPRESSION": ["zstd"],
        "OTEL_EXPORTER_OTLP_TRACES_COMPRESSION": ["zstd"],
        "OTEL_EXPORTER_OTLP_TIMEOUT": ["0"],
        "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT": ["-1"],
        "OTEL_EXPORTER_OTLP_CERTIFICATE": ["/no/such/file"],
        "OTEL_EXPORTER_OTLP_TRACES_CERTIFICATE": ["/no/such/file"],
        "OTEL_EXPORTER_OTLP_CLIENT_KEY": ["/no/such/file"],
        "OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY": ["/no/such/file"],
        "OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE": ["/no/such/file"],
        "OTEL_EXPORTER_OTLP_TRACES_CLIENT_CERTIFICATE": ["/no/such/file"],
        "OTEL_SDK_DISABLED": ["yes"],
        "OTEL_SERVICE_NAME": ["name\u{7}"],
        "OTEL_RESOURCE_ATTRIBUTES": ["a"],
        "OTEL_LOG_LEVEL": ["verbose"],
        "OTEL_PROPAGATORS": ["tracecontext,baggage"],
        "OTEL_TRACES_EXPORTER": ["jaeger"],
        "OTEL_TRACES_SAMPLER": ["xray"],
        "OTEL_TRACES_SAMPLER_ARG": ["1.5"],
        "OTEL_BSP_SCHEDULE_DELAY": ["0"],
        "OTEL_BSP_EXPORT_TIMEOUT": ["0"],
        "OTEL_BSP_MAX_QUEUE_SIZE": ["9223372036854775807"],
        "OTEL_BSP_MAX_EXPORT_BATCH_SIZE": ["0"],
        "TRIAD_FINANCE_QUARTERLY_ENVELOPE_MINOR": ["-1", "5e7"],
        "TRIAD_FINANCE_HURDLE_BPS": ["-10001"],
        "TRIAD_REALLOCATION_BOUND_BPS": ["-1", "10001", "30%"],
        "TRIAD_IT_ATTRIBUTION_WINDOW_DAYS": ["3651"],
        "TRIAD_IT_INACTIVITY_DAYS": ["0"],
        "TRIAD_IT_MAX_EVENT_TIME_AHEAD_HOURS": ["-1"],
        "TRIAD_IT_MARKOV_INTERVAL_MS": ["999", "86400001", "1m"],
        "TRIAD_IT_TIME_DECAY_HALF_LIFE_HOURS": ["0", "87601", "1.5"],
        "TRIAD_BRIEFING_SCALE_MAX_SPEND_PERCENT": ["10001"],
        "TRIAD_BRIEFING_PAUSE_MIN_SPEND_PERCENT": ["-1"],
        "TRIAD_BRIEFING_RETENTION_THRESHOLD": ["0"],
    ]

    @Test(arguments: ["it-service", "finance-service", "marketing-service"])
    func badConfigurationIsRefusedNamingTheVariable(_ executable: String) async throws {
        let logs = Paths.scratch("config")
        let listing = try ManagedProcess(
            name: "list", executable: Paths.executable(executable), arguments: ["--list-environment"],
            logDirectory: logs)
        _ = try await eventually(
            "\(executable) to list its environment", timeout: .seconds(10), every: .milliseconds(20)
        ) {
            listing.isRunning ? nil : true
        }
        #expect(await listing.stop() == 0)
        let variables = listing.output.split(separator: "\n").compactMap {
            $0.split(separator: " ").first.map(String.init)
        }
        #expect(variables.count > 50, "\(listing.output)")
        let missing = variables.filter { Self.badValues[$0] == nil }
        #expect(missing.isEmpty, "no bad value to try for \(missing)")
        // The shared variables are tried on it-service; each service tries its own.
        let own = [
            "it-service": "TRIAD_IT_", "finance-service": "TRIAD_FINANCE_", "marketing-service": "TRIAD_BRIEFING_",
        ]
        let tried = executable == "it-service" ? variables : variables.filter { $0.hasPrefix(own[executable]!) }
        for variable in tried {
            for value in Self.badValues[variable] ?? [] {
                let process = try ManagedProcess(
                    name: "config-\(variable)", executable: Paths.executable(executable),
                    environment: ["TRIAD_DATABASE_URL": "sqlite:\(logs.path)/never.sqlite"].merging([variable: value]) {
                        $1
                    },
                    logDirectory: logs)
                _ = try await eventually(
                    "\(executable) to refuse \(variable)", timeout: .seconds(10), every: .milliseconds(20)
                ) {
                    process.isRunning ? nil : true
                }
                #expect(await process.stop() == 78, "\(variable)=\(value.debugDescription): \(process.output)")
                #expect(process.output.contains("configuration error: \(variable):"), "\(process.output)")
                if variable.contains("TOKEN") || variable.contains("PASSWORD") || variable.contains("HEADERS"),
                    value.count > 6
                {
                    #expect(
                        !process.output.contains(value.trimmingCharacters(in: .whitespacesAndNewlines)),
                        "a secret is not repeated")
                }
            }
        }
        #expect(
            !FileManager.default.fileExists(atPath: "\(logs.path)/never.sqlite"),
            "no service got as far as its database")
    }
}
