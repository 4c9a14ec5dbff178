import Testing
import TriadEvents

@Suite struct RatiosTests {
    @Test func roiRoundsTowardNegativeInfinity() {
        // (450001 − 1200000) × 10000 / 1200000 = −6249.99…: floor gives −6250, truncation would give −6249.
        #expect(Ratios.roiBps(revenueMinor: 450_001, spendMinor: 1_200_000) == -6250)
        #expect(Ratios.roiBps(revenueMinor: 900_000, spendMinor: 300_000) == 20_000)
        #expect(Ratios.roiBps(revenueMinor: 0, spendMinor: 3) == -10_000)
        // 1 × 10000 / 3 = 3333.33…
        #expect(Ratios.roiBps(revenueMinor: 4, spendMinor: 3) == 3333)
        // −1 × 10000 / 3 = −3333.33…
        #expect(Ratios.roiBps(revenueMinor: 2, spendMinor: 3) == -3334)
    }

    @Test func roasAndCac() {
        #expect(Ratios.roasBps(revenueMinor: 450_001, spendMinor: 1_200_000) == 3750)
        #expect(Ratios.roasBps(revenueMinor: 1, spendMinor: 3) == 3333)
        #expect(Ratios.cacMinor(spendMinor: 300_000, conversions: 2) == 150_000)
        #expect(Ratios.cacMinor(spendMinor: 10, conversions: 3) == 3)
    }

    @Test func ratiosAreAbsentWhileTheirDivisorIsZero() {
        #expect(Ratios.roiBps(revenueMinor: 100, spendMinor: 0) == nil)
        #expect(Ratios.roasBps(revenueMinor: 100, spendMinor: 0) == nil)
        #expect(Ratios.cacMinor(spendMinor: 100, conversions: 0) == nil)
    }

    @Test func hugeAmountsDoNotOverflow() {
        let spend = Int64.max / 2
        #expect(Ratios.roasBps(revenueMinor: spend, spendMinor: spend) == 10_000)
        #expect(Ratios.roiBps(revenueMinor: spend, spendMinor: spend) == 0)
    }

    @Test func percentComparisonIsExact() {
        #expect(Ratios.isBelow(799_999, percent: 80, of: 1_000_000))
        #expect(!Ratios.isBelow(800_000, percent: 80, of: 1_000_000))
    }
}

@Suite struct CalendarTests {
    @Test func quartersFollowCalendarMonths() {
        #expect(CalendarDate("2026-01-01")!.quarter == Quarter(year: 2026, number: 1))
        #expect(CalendarDate("2026-03-31")!.quarter == Quarter(year: 2026, number: 1))
        #expect(CalendarDate("2026-04-01")!.quarter == Quarter(year: 2026, number: 2))
        #expect(CalendarDate("2026-12-31")!.quarter.description == "2026-Q4")
    }

    @Test func invalidDatesAreRefused() {
        #expect(CalendarDate("2026-02-29") == nil)
        #expect(CalendarDate("2028-02-29") != nil)
        #expect(CalendarDate("2026-13-01") == nil)
        #expect(CalendarDate("2026-1-01") == nil)
        #expect(CalendarDate("yesterday") == nil)
    }

    @Test func timestampsParseWithAndWithoutFractionsAndOffsets() {
        #expect(Timestamp(iso8601: "1970-01-01T00:00:01Z")?.millisecondsSinceEpoch == 1000)
        #expect(Timestamp(iso8601: "1970-01-01T00:00:01.250Z")?.millisecondsSinceEpoch == 1250)
        #expect(Timestamp(iso8601: "1970-01-01T02:00:01+02:00")?.millisecondsSinceEpoch == 1000)
        #expect(Timestamp(iso8601: "not a time") == nil)
    }

    @Test func currencyCodesAreValidated() throws {
        #expect(throws: ConfigurationValueError.self) { try Currency("eur") }
        #expect(throws: ConfigurationValueError.self) { try Currency("EURO") }
        #expect(try Currency("USD").code == "USD")
    }
}
