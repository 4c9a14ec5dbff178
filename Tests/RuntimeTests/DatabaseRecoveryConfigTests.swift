import Configuration
import Testing
import TriadEvents

@testable import TriadRuntime

/// `TRIAD_DATABASE_RECOVERY_TIMEOUT_MS`: how long a service retries an unavailable database.
@Suite struct DatabaseRecoveryConfigTests {
    func timeout(_ value: String?) throws(ConfigurationError) -> Int64 {
        let environment = ConfigReader.environment(value.map { ["TRIAD_DATABASE_RECOVERY_TIMEOUT_MS": $0] } ?? [:])
        return try RuntimeConfig(service: .it, defaultPort: 0, environment: environment)
            .databaseRecoveryTimeoutMilliseconds
    }

    @Test func itDefaultsToTwoMinutesAndCanBeSet() throws {
        #expect(try timeout(nil) == 120_000)
        #expect(try timeout("1000") == 1_000)
        #expect(try timeout("280000") == 280_000)
    }

    /// Under a second, or at librdkafka's max.poll.interval.ms (300 s) or near it, is refused by name.
    @Test(arguments: ["999", "280001", "300000", "0", "-5", "two minutes"])
    func outOfRangeValuesAreRefused(_ value: String) {
        #expect {
            _ = try timeout(value)
        } throws: { error in
            (error as? ConfigurationError)?.variable == "TRIAD_DATABASE_RECOVERY_TIMEOUT_MS"
        }
    }
}
