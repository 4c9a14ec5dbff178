import Foundation

extension Int64 {
    /// Division rounded toward negative infinity, with a remainder that is never negative.
    fileprivate func floorDividedWithRemainder(by divisor: Int64) -> (Int64, Int64) {
        let remainder = self % divisor
        return remainder < 0 ? (self / divisor - 1, remainder + divisor) : (self / divisor, remainder)
    }
}

/// An instant with millisecond precision, written as an RFC 3339 / ISO 8601 string in JSON.
/// Domain rules compare and subtract milliseconds as integers.
public struct Timestamp: Hashable, Comparable, Sendable, StringCodable {
    public var millisecondsSinceEpoch: Int64

    public init(millisecondsSinceEpoch: Int64) { self.millisecondsSinceEpoch = millisecondsSinceEpoch }

    /// The first instant Triad reads or writes: 0001-01-01T00:00:00Z.
    public static let earliest = Timestamp(millisecondsSinceEpoch: -62_135_596_800_000)
    /// The last instant Triad reads or writes: 9999-12-31T23:59:59.999Z.
    public static let latest = Timestamp(millisecondsSinceEpoch: 253_402_300_799_999)

    /// What a timestamp on the wire must be, as error messages say it.
    public static let expectation =
        "an RFC 3339 timestamp such as 2026-11-30T10:00:00Z, whose instant in UTC lies between 0001-01-01T00:00:00Z and "
        + "9999-12-31T23:59:59.999Z"

    /// Whether the instant lies in the range every timestamp is read and written in (`earliest` … `latest`).
    public var isInWireRange: Bool { self >= Self.earliest && self <= Self.latest }

    public init(_ date: Date) {
        millisecondsSinceEpoch = Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
    }

    public static func now() -> Timestamp { Timestamp(Date()) }

    /// Parses an RFC 3339 date-time exactly, with integer arithmetic: `2026-11-30T10:00:00Z`,
    /// `2026-11-30t10:00:00.123456z`, `2026-11-30T11:00:00+01:00`. Years 0001–9999; the day must
    /// exist in its month; hour 00–23, minute and second 00–59 (a leap second `60` is read as 59.999).
    /// Fraction digits past milliseconds are dropped (rounded toward the past), never rounded up.
    /// The instant, offset applied, must lie between `earliest` and `latest`, so that its UTC form
    /// (what Triad writes) parses again: `0001-01-01T00:00:00+00:01` is refused.
    public init?(iso8601 text: String) {
        var text = text
        guard let value = text.withUTF8({ Self.parse($0) }) else { return nil }
        millisecondsSinceEpoch = value
    }

    private static func parse(_ b: UnsafeBufferPointer<UInt8>) -> Int64? {
        func digits(_ start: Int, _ count: Int) -> Int? {
            guard start + count <= b.count else { return nil }
            var value = 0
            for i in start..<(start + count) {
                let d = Int(b[i]) - 48
                guard d >= 0, d <= 9 else { return nil }
                value = value * 10 + d
            }
            return value
        }
        guard b.count >= 20, let year = digits(0, 4), b[4] == 45, let month = digits(5, 2), b[7] == 45,
            let day = digits(8, 2), b[10] == 84 || b[10] == 116, let hour = digits(11, 2), b[13] == 58,
            let minute = digits(14, 2), b[16] == 58, let second = digits(17, 2)
        else { return nil }
        guard year >= 1, (1...12).contains(month), day >= 1, day <= CalendarDate.daysIn(month: month, year: year),
            hour <= 23, minute <= 59, second <= 60
        else { return nil }
        var index = 19
        var millis = 0
        if b[index] == 46 {  // '.'
            index += 1
            var count = 0
            while index < b.count, b[index] >= 48, b[index] <= 57 {
                if count < 3 { millis = millis * 10 + Int(b[index]) - 48 }
                count += 1
                index += 1
            }
            guard count > 0 else { return nil }
            if count < 3 { for _ in count..<3 { millis *= 10 } }
        }
        guard index < b.count else { return nil }
        var offsetMinutes = 0
        switch b[index] {
        case 90, 122:  // Z z
            index += 1
        case 43, 45:  // + -
            guard let oh = digits(index + 1, 2), index + 3 < b.count, b[index + 3] == 58, let om = digits(index + 4, 2),
                oh <= 23, om <= 59
            else { return nil }
            offsetMinutes = (oh * 60 + om) * (b[index] == 45 ? -1 : 1)
            index += 6
        default:
            return nil
        }
        guard index == b.count else { return nil }
        if second == 60 { millis = 999 }
        let days = Int64(CalendarDate.daysSinceEpoch(year: year, month: month, day: day))
        let seconds = days * 86_400 + Int64(hour * 3600 + minute * 60 + min(second, 59)) - Int64(offsetMinutes * 60)
        let value = seconds * 1000 + Int64(millis)
        guard value >= earliest.millisecondsSinceEpoch, value <= latest.millisecondsSinceEpoch else { return nil }
        return value
    }

    public var date: Date { Date(timeIntervalSince1970: Double(millisecondsSinceEpoch) / 1000) }

    /// The instant, moved to the nearest bound of the wire range when outside it.
    private var clampedMilliseconds: Int64 {
        min(max(millisecondsSinceEpoch, Self.earliest.millisecondsSinceEpoch), Self.latest.millisecondsSinceEpoch)
    }

    /// The calendar quarter (UTC) this instant falls in (of the nearest bound when outside the wire range).
    public var quarter: Quarter {
        let (days, _) = clampedMilliseconds.floorDividedWithRemainder(by: 86_400_000)
        let (year, month, _) = CalendarDate.civil(fromDaysSinceEpoch: Int(days))
        return Quarter(year: year, number: (month - 1) / 3 + 1)
    }

    /// `YYYY-MM-DDTHH:MM:SS.mmmZ` in UTC, exact to the millisecond. Every instant read from the wire
    /// is in range; one outside it (only arithmetic makes one) is written as the nearest bound, so
    /// whatever Triad writes parses again.
    public var iso8601: String {
        let millis = clampedMilliseconds
        let (days, dayMillis) = millis.floorDividedWithRemainder(by: 86_400_000)
        let (year, month, day) = CalendarDate.civil(fromDaysSinceEpoch: Int(days))
        let ms = Int(dayMillis)
        func pad(_ value: Int, _ width: Int) -> String {
            let text = String(value)
            return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(ms / 3_600_000, 2)):\(pad(ms / 60_000 % 60, 2)):"
            + "\(pad(ms / 1000 % 60, 2)).\(pad(ms % 1000, 3))Z"
    }

    public var description: String { iso8601 }

    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool {
        lhs.millisecondsSinceEpoch < rhs.millisecondsSinceEpoch
    }

    /// This instant moved by `milliseconds`; past what 64 bits hold it stops at the limit instead of
    /// trapping (a window subtracted from an instant near year 1, say). The result may lie outside the
    /// wire range: it is for comparing, and `iso8601` writes it as the nearest bound.
    public func adding(milliseconds: Int64) -> Timestamp {
        let (sum, overflow) = millisecondsSinceEpoch.addingReportingOverflow(milliseconds)
        return Timestamp(millisecondsSinceEpoch: overflow ? (milliseconds < 0 ? .min : .max) : sum)
    }

    public init?(_ text: String) { self.init(iso8601: text) }

    public static func refusal(of text: String) -> String { "must be \(expectation), got '\(text)'" }
}

/// A calendar day (`YYYY-MM-DD`), as campaigns are planned. Quarters are calendar quarters in UTC.
public struct CalendarDate: Hashable, Comparable, Sendable, StringCodable {
    public let year: Int
    public let month: Int
    public let day: Int

    public init?(year: Int, month: Int, day: Int) {
        guard (1...9999).contains(year), (1...12).contains(month),
            (1...CalendarDate.daysIn(month: month, year: year)).contains(day)
        else { return nil }
        self.year = year
        self.month = month
        self.day = day
    }

    public init?(_ text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            parts.allSatisfy({ $0.allSatisfy { $0.isASCII && $0.isNumber } }),
            let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2])
        else { return nil }
        self.init(year: y, month: m, day: d)
    }

    public var quarter: Quarter { Quarter(year: year, number: (month - 1) / 3 + 1) }

    public var description: String {
        let y = String(year)
        let m = String(month)
        let d = String(day)
        return String(repeating: "0", count: 4 - y.count) + y + "-" + (m.count == 1 ? "0" : "") + m + "-"
            + (d.count == 1 ? "0" : "") + d
    }

    public static func < (lhs: CalendarDate, rhs: CalendarDate) -> Bool {
        (lhs.year, lhs.month, lhs.day) < (rhs.year, rhs.month, rhs.day)
    }

    /// Days from this date to `other`: 0 for the same date, negative when `other` is earlier.
    public func days(to other: CalendarDate) -> Int {
        Self.daysSinceEpoch(year: other.year, month: other.month, day: other.day)
            - Self.daysSinceEpoch(year: year, month: month, day: day)
    }

    /// Days from 1970-01-01 to this date (negative before), proleptic Gregorian.
    static func daysSinceEpoch(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The inverse of `daysSinceEpoch`.
    static func civil(fromDaysSinceEpoch days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    public static func refusal(of text: String) -> String { "must be a date as YYYY-MM-DD, got '\(text)'" }
}

/// A calendar quarter, written `2026-Q4`.
public struct Quarter: Hashable, Comparable, Sendable, StringCodable {
    public let year: Int
    public let number: Int

    public init(year: Int, number: Int) {
        self.year = year
        self.number = number
    }

    /// Parses `2026-Q4`: four digits (a year from 0001, as timestamps and dates), `-Q`, one digit from 1 to 4.
    public init?(_ text: String) {
        let bytes = Array(text.utf8)
        guard bytes.count == 7, bytes[0..<4].allSatisfy({ (48...57).contains($0) }), bytes[0..<4] != [48, 48, 48, 48],
            bytes[4] == 45, bytes[5] == 81, (49...52).contains(bytes[6])
        else { return nil }
        self.init(year: Int(text.prefix(4))!, number: Int(bytes[6]) - 48)
    }

    /// Always four year digits, so every quarter reads back (`0999-Q4`).
    public var description: String {
        let y = String(year)
        return String(repeating: "0", count: max(0, 4 - y.count)) + y + "-Q\(number)"
    }

    public static func < (lhs: Quarter, rhs: Quarter) -> Bool { (lhs.year, lhs.number) < (rhs.year, rhs.number) }

    /// Its length in days: 90 for Q1 (91 in a leap year), 91 for Q2, 92 for Q3 and Q4.
    public var days: Int {
        let first = (number - 1) * 3 + 1
        return (first...first + 2).reduce(0) { $0 + CalendarDate.daysIn(month: $1, year: year) }
    }

    /// The quarter `count` quarters later (earlier when negative), or nil outside years 0001–9999.
    public func advanced(by count: Int) -> Quarter? {
        guard (-40_000...40_000).contains(count) else { return nil }
        let (year, index) = Int64(self.year * 4 + number - 1 + count).floorDividedWithRemainder(by: 4)
        guard (1...9999).contains(year) else { return nil }
        return Quarter(year: Int(year), number: Int(index) + 1)
    }

    public static func refusal(of text: String) -> String { "must be a quarter such as 2026-Q4" }
}

/// An ISO 8601 week of a UTC instant, written `2026-W05`: weeks start on Monday, and week 1 of a
/// year is the week that holds the year's first Thursday (so 2021-01-03 is in 2020-W53 and
/// 2024-12-30 in 2025-W01). A year has 52 weeks, or 53 when it starts on a Thursday (or on a
/// Wednesday in a leap year).
public struct ISOWeek: Hashable, Comparable, Sendable, StringCodable {
    /// The ISO week-numbering year: the calendar year of the week's Thursday.
    public let year: Int
    /// 1 through `ISOWeek.weeks(in: year)`.
    public let number: Int

    /// A week that exists: year 0001–9999, number 1 through the year's 52 or 53; else nil.
    public init?(year: Int, number: Int) {
        guard (1...9999).contains(year), number >= 1, number <= Self.weeks(in: year) else { return nil }
        self.year = year
        self.number = number
    }

    /// The week `timestamp` falls in, in UTC (of the nearest bound when outside the wire range;
    /// 0001-01-01 is a Monday and 9999-12-31 a Friday, so every such week lies in years 0001–9999).
    public init(of timestamp: Timestamp) {
        let clamped = min(
            max(timestamp.millisecondsSinceEpoch, Timestamp.earliest.millisecondsSinceEpoch),
            Timestamp.latest.millisecondsSinceEpoch)
        let (days, _) = clamped.floorDividedWithRemainder(by: 86_400_000)
        let thursday = Self.thursday(ofWeekHolding: Int(days))
        let (year, _, _) = CalendarDate.civil(fromDaysSinceEpoch: thursday)
        self.year = year
        number = (thursday - CalendarDate.daysSinceEpoch(year: year, month: 1, day: 1)) / 7 + 1
    }

    /// Parses `2026-W05` strictly: four year digits (from 0001), `-W`, two week digits; the week
    /// must exist in that year (`2026-W53` does, `2025-W53` does not).
    public init?(_ text: String) {
        let bytes = Array(text.utf8)
        func isDigit(_ byte: UInt8) -> Bool { (48...57).contains(byte) }
        guard bytes.count == 8, bytes[0..<4].allSatisfy(isDigit), bytes[4] == 45, bytes[5] == 87,
            isDigit(bytes[6]), isDigit(bytes[7])
        else { return nil }
        let year = bytes[0..<4].reduce(0) { $0 * 10 + Int($1) - 48 }
        self.init(year: year, number: Int(bytes[6] - 48) * 10 + Int(bytes[7] - 48))
    }

    /// How many ISO weeks `year` has: 52, or 53 (the week of 28 December is always the last).
    public static func weeks(in year: Int) -> Int {
        let december28 = CalendarDate.daysSinceEpoch(year: year, month: 12, day: 28)
        let thursday = thursday(ofWeekHolding: december28)
        return (thursday - CalendarDate.daysSinceEpoch(year: year, month: 1, day: 1)) / 7 + 1
    }

    /// The Thursday (days since 1970-01-01, a Thursday) of the Monday-to-Sunday week holding `days`.
    private static func thursday(ofWeekHolding days: Int) -> Int {
        let sinceMonday = ((days + 3) % 7 + 7) % 7  // 1970-01-01 is a Thursday: 3 days after Monday.
        return days - sinceMonday + 3
    }

    /// The week's first instant: its Monday at 00:00:00.000 UTC.
    public var start: Timestamp {
        let january4 = CalendarDate.daysSinceEpoch(year: year, month: 1, day: 4)  // always in week 1
        let monday = Self.thursday(ofWeekHolding: january4) - 3 + (number - 1) * 7
        return Timestamp(millisecondsSinceEpoch: Int64(monday) * 86_400_000)
    }

    /// The week `count` weeks later (earlier when negative), or nil outside years 0001–9999.
    public func advanced(by count: Int) -> ISOWeek? {
        guard (-600_000...600_000).contains(count) else { return nil }  // 10,000 years are ~521,800 weeks
        let moved = start.adding(milliseconds: Int64(count) * 7 * 86_400_000)
        guard moved.isInWireRange else { return nil }
        return ISOWeek(of: moved)
    }

    /// Always four year digits and two week digits, so every week reads back (`0999-W01`).
    public var description: String {
        let y = String(year)
        return String(repeating: "0", count: max(0, 4 - y.count)) + y + (number < 10 ? "-W0" : "-W") + String(number)
    }

    public static func < (lhs: ISOWeek, rhs: ISOWeek) -> Bool { (lhs.year, lhs.number) < (rhs.year, rhs.number) }

    public static func refusal(of text: String) -> String {
        "must be an ISO 8601 week such as 2026-W05 that exists in its year, got '\(text)'"
    }
}
