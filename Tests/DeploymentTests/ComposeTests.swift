import Foundation
import TestSupport
import Testing

/// No Docker engine runs here, so docker-compose.yml is checked statically: against the Compose
/// specification's schema, and against the variables the built services actually read.
@Suite struct ComposeTests {
    func check(_ compose: URL) throws -> (status: Int32, output: String) {
        try runToEnd(
            URL(fileURLWithPath: Paths.python),
            [
                Paths.root.appendingPathComponent("scripts/check_compose.py").path, "--compose", compose.path, "--bin",
                Paths.binaries.path,
            ])
    }

    var compose: String {
        get throws { try String(contentsOf: Paths.root.appendingPathComponent("docker-compose.yml"), encoding: .utf8) }
    }

    func variant(_ text: String) throws -> URL {
        let url = Paths.scratch("compose").appendingPathComponent("docker-compose.yml")
        try text.write(to: url, atomically: true, encoding: .utf8)
        // Relative paths (init scripts) resolve as for the real file.
        return url
    }

    @Test func theComposeFileIsValidAndMatchesWhatTheServicesRead() throws {
        let result = try check(Paths.root.appendingPathComponent("docker-compose.yml"))
        #expect(result.status == 0, "\(result.output)")
    }

    @Test func aVariableNoServiceReadsIsCaught() throws {
        let drifted = try compose.replacingOccurrences(
            of: "TRIAD_IT_INACTIVITY_DAYS: \"60\"",
            with: "TRIAD_IT_INACTIVITY_DAYS: \"60\"\n      TRIAD_IT_INACTIVE_DAYS: \"60\"")
        let result = try check(try variant(drifted))
        #expect(result.status != 0)
        #expect(result.output.contains("compose sets TRIAD_IT_INACTIVE_DAYS, which it-service does not read"))
    }

    @Test func aMissingRequiredVariableIsCaught() throws {
        let drifted = try compose.replacingOccurrences(
            of: "      TRIAD_DATABASE_URL: postgres://triad:${TRIAD_POSTGRES_PASSWORD:-triad}@postgres:5432/finance\n",
            with: "")
        let result = try check(try variant(drifted))
        #expect(result.status != 0)
        #expect(result.output.contains("finance: finance-service needs TRIAD_DATABASE_URL"))
    }

    @Test func aSchemaViolationIsCaught() throws {
        let broken = try compose.replacingOccurrences(
            of: "    restart: \"no\"", with: "    restart: 5\n    colour: blue")
        let result = try check(try variant(broken))
        #expect(result.status != 0)
        #expect(result.output.contains("schema"))
    }

    @Test func servicesThatScaleHaveNoFixedHostPorts() throws {
        let fixed = try compose.replacingOccurrences(
            of: "    expose:\n      - \"8080\"\n    healthcheck: *healthcheck\n\n  it:",
            with: "    ports:\n      - \"8082:8080\"\n    healthcheck: *healthcheck\n\n  it:")
        let result = try check(try variant(fixed))
        #expect(result.status != 0)
        #expect(result.output.contains("finance: fixed host ports"))
    }

    @Test func theObservabilityProfileIsChecked() throws {
        let outside = try compose.replacingOccurrences(
            of: "    image: jaegertracing/all-in-one:1.64.0\n    profiles: [\"observability\"]\n",
            with: "    image: jaegertracing/all-in-one:1.64.0\n")
        let result = try check(try variant(outside))
        #expect(result.status != 0)
        #expect(result.output.contains("jaeger: not in the observability profile"), "\(result.output)")
    }
}
