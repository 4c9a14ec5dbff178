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

    /// A compose file changed from the real one (`original` replaced by `drifted`) fails the check,
    /// which names the `problem`: a variable no service reads, a required one missing, a schema
    /// violation, fixed host ports on a service that scales, Jaeger outside its profile.
    @Test(arguments: [
        (
            "TRIAD_IT_INACTIVITY_DAYS: \"60\"",
            "TRIAD_IT_INACTIVITY_DAYS: \"60\"\n      TRIAD_IT_INACTIVE_DAYS: \"60\"",
            "compose sets TRIAD_IT_INACTIVE_DAYS, which it-service does not read"
        ),
        (
            "      TRIAD_DATABASE_URL: postgres://triad:${TRIAD_POSTGRES_PASSWORD:-triad}@postgres:5432/finance\n", "",
            "finance: finance-service needs TRIAD_DATABASE_URL"
        ),
        ("    restart: \"no\"", "    restart: 5\n    colour: blue", "schema"),
        (
            "    expose:\n      - \"8080\"\n    healthcheck: *healthcheck\n\n  it:",
            "    ports:\n      - \"8082:8080\"\n    healthcheck: *healthcheck\n\n  it:", "finance: fixed host ports"
        ),
        (
            "    image: jaegertracing/all-in-one:1.64.0\n    profiles: [\"observability\"]\n",
            "    image: jaegertracing/all-in-one:1.64.0\n", "jaeger: not in the observability profile"
        ),
    ])
    func aDriftIsCaught(original: String, drifted: String, problem: String) throws {
        let result = try check(try variant(try compose.replacingOccurrences(of: original, with: drifted)))
        #expect(result.status != 0)
        #expect(result.output.contains(problem), "\(result.output)")
    }
}
