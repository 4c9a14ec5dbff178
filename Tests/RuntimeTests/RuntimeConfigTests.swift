import Testing
import TriadEvents
import TriadRuntime

@Suite struct RuntimeConfigTests {
    func batchSize(_ environment: [String: String]) throws -> Int {
        try RuntimeConfig(service: .it, defaultPort: 0, environment: EnvironmentReader(environment)).maxBatchSize
    }

    @Test func theBatchSizeDefaultsByStoreAndCanBeSet() throws {
        #expect(try batchSize([:]) == 10_000)
        #expect(try batchSize(["TRIAD_DATABASE_URL": "sqlite:data/it.sqlite"]) == 10_000)
        #expect(try batchSize(["TRIAD_DATABASE_URL": "postgres://triad@db:5432/it"]) == 20_000, "each statement is a round trip")
        #expect(try batchSize(["TRIAD_DATABASE_URL": "postgresql://triad@db/it", "TRIAD_MAX_BATCH": "500"]) == 500)
    }
}
