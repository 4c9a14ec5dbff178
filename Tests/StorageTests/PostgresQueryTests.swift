import Testing

@testable import TriadStorage

/// How a store's statement becomes a PostgreSQL query: `?` placeholders numbered in order outside
/// quoted text.
@Suite struct PostgresQueryTests {
    @Test func placeholdersAreNumberedInOrderOutsideQuotedText() {
        #expect(PostgresSession.numberedPlaceholders("SELECT 1") == "SELECT 1")
        #expect(
            PostgresSession.numberedPlaceholders("UPDATE t SET a = ?, b = ? WHERE c IN (?, ?)")
                == "UPDATE t SET a = $1, b = $2 WHERE c IN ($3, $4)")
        #expect(
            PostgresSession.numberedPlaceholders("SELECT '?', ? WHERE x = 'it''s ?' AND y = ?")
                == "SELECT '?', $1 WHERE x = 'it''s ?' AND y = $2")
    }
}
