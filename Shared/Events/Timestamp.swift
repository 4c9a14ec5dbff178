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

    public static func refusal(of text: String) -> String { "must be a quarter such as 2026-Q4" }
}
