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

    @Test func roasCacCostPerOrderAndMer() {
        #expect(Ratios.roasBps(revenueMinor: 450_001, spendMinor: 1_200_000) == 3750)
        #expect(Ratios.roasBps(revenueMinor: 1, spendMinor: 3) == 3333)
        #expect(Ratios.costPerOrderMinor(spendMinor: 300_000, orders: 2) == 150_000)
        #expect(Ratios.costPerOrderMinor(spendMinor: 10, orders: 3) == 3)
        #expect(Ratios.cacMinor(spendMinor: 300_000, newCustomers: 1) == 300_000)
        #expect(Ratios.cacMinor(spendMinor: 1_000, newCustomers: 3) == 333)
        // 3,000,001 × 10000 / 1,200,000 = 25000.008…
        #expect(Ratios.merBps(revenueMinor: 3_000_001, spendMinor: 1_200_000) == 25_000)
    }

    @Test func ratiosAreAbsentWhileTheirDivisorIsZero() {
        #expect(Ratios.roiBps(revenueMinor: 100, spendMinor: 0) == nil)
        #expect(Ratios.roasBps(revenueMinor: 100, spendMinor: 0) == nil)
        #expect(Ratios.merBps(revenueMinor: 100, spendMinor: 0) == nil)
        #expect(Ratios.costPerOrderMinor(spendMinor: 100, orders: 0) == nil)
        #expect(Ratios.cacMinor(spendMinor: 100, newCustomers: 0) == nil)
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

    @Test func timestampsParseExactlyAndRoundTripToTheMillisecond() {
        // Parsed with integers: no drift, whatever the instant.
        for text in [
            "2026-10-01T00:00:00.123Z", "1999-12-31T23:59:59.999Z", "2400-02-29T12:00:00.001Z",
            "0001-01-01T00:00:00.000Z",
        ] {
            #expect(Timestamp(iso8601: text)?.iso8601 == text)
        }
        #expect(Timestamp(iso8601: "2026-10-01t00:00:00.5z")?.iso8601 == "2026-10-01T00:00:00.500Z")
        #expect(
            Timestamp(iso8601: "2026-10-01T00:00:00.123999Z")?.iso8601 == "2026-10-01T00:00:00.123Z",
            "extra digits are cut, not rounded")
        #expect(Timestamp(iso8601: "2026-10-01T00:30:00-01:30")?.iso8601 == "2026-10-01T02:00:00.000Z")
        for text in [
            "2026-02-30T00:00:00Z", "2026-02-29T00:00:00Z", "2026-10-01T24:30:00Z", "2026-10-01T10:61:00Z",
            "12026-10-01T00:00:00Z",
            "2026-10-01T00:00:00", "2026-10-01T00:00:00.Z", "2026-10-01 00:00:00Z", "0000-01-01T00:00:00Z",
            "2026-13-01T00:00:00Z",
        ] {
            #expect(Timestamp(iso8601: text) == nil, "\(text)")
        }
    }

    @Test func currencyCodesAreValidated() throws {
        #expect(throws: ConfigurationValueError.self) { try Currency("eur") }
        #expect(throws: ConfigurationValueError.self) { try Currency("EURO") }
        #expect(try Currency("USD").code == "USD")
    }
}
