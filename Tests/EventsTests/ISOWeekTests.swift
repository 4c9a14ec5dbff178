import Foundation
import Testing
import TriadEvents

/// ISO 8601 weeks of UTC instants: Monday starts a week, week 1 holds the year's first Thursday.
@Suite struct ISOWeekTests {
    func week(_ text: String) -> ISOWeek { ISOWeek(of: Timestamp(iso8601: text)!) }

    @Test func weeksAtTheTurnOfTheYear() {
        #expect(week("2021-01-03T23:59:59.999Z").description == "2020-W53")
        #expect(week("2021-01-04T00:00:00Z").description == "2021-W01")
        #expect(week("2024-12-29T12:00:00Z").description == "2024-W52")
        #expect(week("2024-12-30T00:00:00Z").description == "2025-W01")
        #expect(week("2026-12-31T10:00:00Z").description == "2026-W53")
        #expect(week("2027-01-03T23:59:59.999Z").description == "2026-W53")
        #expect(week("2027-01-04T00:00:00Z").description == "2027-W01")
        #expect(week("2026-01-29T08:00:00Z") == ISOWeek(year: 2026, number: 5))
        // In UTC: Monday 00:30 at +01:00 is still Sunday in UTC.
        #expect(week("2021-01-04T00:30:00+01:00").description == "2020-W53")
    }

    @Test func theWeeksOfAYear() {
        #expect(ISOWeek.weeks(in: 2020) == 53)  // a leap year starting on a Wednesday
        #expect(ISOWeek.weeks(in: 2026) == 53)  // starts on a Thursday
        #expect(ISOWeek.weeks(in: 2025) == 52)
        #expect(ISOWeek.weeks(in: 2024) == 52)
        #expect(ISOWeek.weeks(in: 1) == 52)
        #expect(ISOWeek.weeks(in: 9999) == 52)
    }

    @Test func parsingIsStrict() {
        #expect(ISOWeek("2026-W05") == ISOWeek(year: 2026, number: 5))
        #expect(ISOWeek("2026-W53")?.number == 53)
        #expect(ISOWeek("0001-W01") == ISOWeek(year: 1, number: 1))
        for text in [
            "2025-W53", "2026-W54", "2026-W00", "0000-W01", "2026-W5", "2026-w05", "2026W05", "2026-W005",
            " 2026-W05", "2026-W05 ", "+026-W05", "2026-Q1", "", "2026-W-5", "٢٠٢٦-W05",
        ] {
            #expect(ISOWeek(text) == nil, "\(text)")
        }
        #expect(ISOWeek(year: 2026, number: 0) == nil)
        #expect(ISOWeek(year: 10_000, number: 1) == nil)
        #expect(ISOWeek.refusal(of: "2025-W53").contains("2026-W05"))
    }

    @Test func jsonHoldsTheDescription() throws {
        let weeks = [ISOWeek(year: 2026, number: 5)!, ISOWeek(year: 999, number: 12)!]
        let json = try JSONEncoder().encode(weeks)
        #expect(String(decoding: json, as: UTF8.self) == #"["2026-W05","0999-W12"]"#)
        #expect(try JSONDecoder().decode([ISOWeek].self, from: json) == weeks)
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode([ISOWeek].self, from: Data(#"["2025-W53"]"#.utf8))
        }
    }

    @Test func startsAndSteps() {
        #expect(ISOWeek(year: 2025, number: 1)!.start.iso8601 == "2024-12-30T00:00:00.000Z")
        #expect(ISOWeek(year: 2020, number: 53)!.start.iso8601 == "2020-12-28T00:00:00.000Z")
        #expect(ISOWeek(year: 1, number: 1)!.start == Timestamp.earliest)
        #expect(ISOWeek(year: 2026, number: 53)!.advanced(by: 1)?.description == "2027-W01")
        #expect(ISOWeek(year: 2027, number: 1)!.advanced(by: -1)?.description == "2026-W53")
        #expect(ISOWeek(year: 2026, number: 5)!.advanced(by: -51)?.description == "2025-W06")
        #expect(ISOWeek(year: 9999, number: 52)!.advanced(by: 1) == nil)
        #expect(ISOWeek(year: 1, number: 1)!.advanced(by: -1) == nil)
        #expect(ISOWeek(year: 2026, number: 5)!.advanced(by: .min) == nil)
        #expect(ISOWeek(of: Timestamp.earliest).description == "0001-W01")
        #expect(ISOWeek(of: Timestamp.latest).description == "9999-W52")
        #expect(ISOWeek(of: Timestamp(millisecondsSinceEpoch: .min)).description == "0001-W01")
        #expect(ISOWeek(of: Timestamp(millisecondsSinceEpoch: .max)).description == "9999-W52")
        #expect(ISOWeek(year: 2025, number: 52)! < ISOWeek(year: 2026, number: 1)!)
    }

    /// Every day from 1990 to 2060 against Foundation's ISO 8601 calendar; each week's start is its
    /// Monday and the week reads back from its description.
    @Test func agreesWithFoundationEveryDay() {
        var calendar = Calendar(identifier: .iso8601)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let first = Timestamp(iso8601: "1990-01-01T00:00:00Z")!.millisecondsSinceEpoch / 86_400_000
        let last = Timestamp(iso8601: "2060-12-31T00:00:00Z")!.millisecondsSinceEpoch / 86_400_000
        for day in first...last {
            let noon = Timestamp(millisecondsSinceEpoch: day * 86_400_000 + 43_200_000)
            let week = ISOWeek(of: noon)
            let parts = calendar.dateComponents([.yearForWeekOfYear, .weekOfYear], from: noon.date)
            #expect(week.year == parts.yearForWeekOfYear && week.number == parts.weekOfYear, "\(noon)")
            #expect(week.start <= noon && noon < week.start.adding(milliseconds: 7 * 86_400_000), "\(noon)")
            #expect(ISOWeek(week.description) == week, "\(noon)")
        }
    }
}
