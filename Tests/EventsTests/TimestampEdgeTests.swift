import Foundation
import TestSupport
import Testing
import TriadEvents
import TriadKafka
import TriadWire

/// Timestamps at the edges of years 0001 and 9999: the range applies to the instant in UTC, and
/// whatever Triad writes parses again.
@Suite struct TimestampEdgeTests {
    let codec = EventCodec(rules: ValidationRules(currency: .euro))

    /// A structured ad-spend event with `time` and `occurredAt` as given.
    func spend(time: String, occurredAt: String) -> [UInt8] {
        Array(
            #"{"specversion":"1.0","id":"e-1","source":"/ads","type":"triad.ad-spend.reported","time":"\#(time)","schemaversion":1,"data":{"campaignId":"c","amount":{"amountMinor":5,"currency":"EUR"},"occurredAt":"\#(occurredAt)"}}"#
                .utf8)
    }

    func rejection(_ value: [UInt8], headers: [KafkaHeader] = [], fastPath: Bool = true) -> EventRejection? {
        do {
            _ = try EventCodec(rules: ValidationRules(currency: .euro), fastPath: fastPath).decode(
                value: value, headers: headers, topic: nil)
            return nil
        } catch {
            return error
        }
    }

    static let outside = [
        "0001-01-01T00:00:00+00:01", "9999-12-31T23:59:59-23:59", "0001-01-01T00:59:59.999+01:00",
        "9999-12-31T23:59:59.999-00:01",
    ]

    @Test func instantsBeforeYearOneOrAfterYear9999AreRefused() {
        for text in Self.outside { #expect(Timestamp(iso8601: text) == nil, "\(text)") }
        #expect(Timestamp(iso8601: "0001-01-01T00:00:00Z") == Timestamp.earliest)
        #expect(Timestamp(iso8601: "0001-01-01T01:00:00+01:00") == Timestamp.earliest)
        #expect(Timestamp(iso8601: "9999-12-31T23:59:59.999Z") == Timestamp.latest)
        #expect(Timestamp(iso8601: "9999-12-31T22:59:59.9999-01:00") == Timestamp.latest)
        #expect(Timestamp.earliest.iso8601 == "0001-01-01T00:00:00.000Z")
        #expect(Timestamp.latest.iso8601 == "9999-12-31T23:59:59.999Z")
    }

    @Test func theCodecRefusesThemNamingTheField() {
        let good = "2026-10-05T10:00:00Z"
        for text in Self.outside {
            for fastPath in [true, false] {
                let time = rejection(spend(time: text, occurredAt: good), fastPath: fastPath)
                #expect(time?.code == .invalidData)
                #expect(time?.field == "time", "\(text)")
                #expect(
                    time?.reason.contains("0001-01-01T00:00:00Z and 9999-12-31T23:59:59.999Z") == true,
                    "\(String(describing: time))")
                let data = rejection(spend(time: good, occurredAt: text), fastPath: fastPath)
                #expect(data?.code == .invalidData)
                #expect(data?.field == "data.occurredAt", "\(text) \(String(describing: data))")
            }
            // Binary mode: the attribute in a header, the payload as the value.
            let headers: [KafkaHeader] = [
                KafkaHeader("ce_specversion", "1.0"), KafkaHeader("ce_id", "b-1"), KafkaHeader("ce_source", "/ads"),
                KafkaHeader("ce_type", "triad.ad-spend.reported"), KafkaHeader("ce_schemaversion", "1"),
                KafkaHeader("ce_time", text),
            ]
            let payload = Array(#"{"campaignId":"c","amount":{"amountMinor":5,"currency":"EUR"}}"#.utf8)
            #expect(rejection(payload, headers: headers)?.field == "header ce_time", "\(text)")
        }
    }

    @Test func quartersAndDatesStartAtYearOne() {
        #expect(Quarter("0000-Q1") == nil)
        #expect(Quarter("0001-Q1") == Quarter(year: 1, number: 1))
        #expect(CalendarDate("0000-12-31") == nil)
        #expect(Timestamp.earliest.quarter == Quarter(year: 1, number: 1))
        #expect(Timestamp.latest.quarter == Quarter(year: 9999, number: 4))
    }

    @Test func quartersStepAcrossYearsWithinYearsOneTo9999() {
        #expect(Quarter("2026-Q4")!.advanced(by: 1) == Quarter("2027-Q1"))
        #expect(Quarter("2027-Q1")!.advanced(by: -1) == Quarter("2026-Q4"))
        #expect(Quarter("2026-Q2")!.advanced(by: -9) == Quarter("2024-Q1"))
        #expect(Quarter("2026-Q2")!.advanced(by: 0) == Quarter("2026-Q2"))
        #expect(Quarter("9999-Q4")!.advanced(by: 1) == nil && Quarter("0001-Q1")!.advanced(by: -1) == nil)
        #expect(Quarter("0001-Q1")!.advanced(by: 39_995) == Quarter("9999-Q4"))
        #expect(Quarter("2026-Q1")!.advanced(by: .max) == nil && Quarter("2026-Q1")!.advanced(by: .min) == nil)
    }

    @Test func quartersAndDateSpansCountDays() {
        #expect(
            ["2027-Q1", "2028-Q1", "2027-Q2", "2027-Q3", "2027-Q4"].map { Quarter($0)!.days } == [90, 91, 91, 92, 92])
        #expect(Quarter("2000-Q1")!.days == 91 && Quarter("2100-Q1")!.days == 90)
        let start = CalendarDate("2026-10-01")!
        #expect(start.days(to: CalendarDate("2026-12-31")!) == 91 && start.days(to: start) == 0)
        #expect(start.days(to: CalendarDate("2026-09-30")!) == -1)
        #expect(CalendarDate("0001-01-01")!.days(to: CalendarDate("9999-12-31")!) == 3_652_058)
    }

    /// Every timestamp the parser accepts — random instants written with random offsets and
    /// fractions, most of them at the year edges — formats to a string that parses back to the same instant.
    @Test func everyAcceptedTimestampRoundTrips() {
        var random = SeededRandom(seed: 0x7157_A3B0)
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        var accepted = 0
        var refused = 0
        for _ in 0..<20_000 {
            let year: Int
            switch random.next(4) {
            case 0: year = 1
            case 1: year = 9999
            default: year = 1 + random.next(9999)
            }
            let month = random.next(3) == 0 ? (random.next(2) == 0 ? 1 : 12) : 1 + random.next(12)
            let day = random.next(2) == 0 ? (month == 1 ? 1 : 31) : 1 + random.next(28)
            let fraction = ["", ".5", ".999", ".123456789", ".0"][random.next(5)]
            let offset =
                random.next(3) == 0
                ? "Z" : (random.next(2) == 0 ? "+" : "-") + two(random.next(24)) + ":" + two(random.next(60))
            let text =
                "\(String(repeating: "0", count: 4 - String(year).count))\(year)-\(two(month))-\(two(day))T"
                + "\(two(random.next(24))):\(two(random.next(60))):\(two(random.next(61)))\(fraction)\(offset)"
            guard let parsed = Timestamp(iso8601: text) else {
                refused += 1
                continue
            }
            accepted += 1
            #expect(parsed.isInWireRange, "\(text)")
            let written = parsed.iso8601
            #expect(Timestamp(iso8601: written) == parsed, "\(text) -> \(written)")
            // And through the JSON coding every event uses.
            let json = try? JSONEncoder().encode([parsed])
            #expect(json.flatMap { try? JSONDecoder().decode([Timestamp].self, from: $0) } == [parsed], "\(text)")
        }
        // The generator reaches both sides: plenty accepted, and instants past the edges refused.
        #expect(accepted > 10_000)
        #expect(refused > 500)
    }

    @Test func arithmeticAtTheEdgesDoesNotTrap() {
        #expect(Timestamp.latest.adding(milliseconds: .max).millisecondsSinceEpoch == .max)
        #expect(Timestamp.earliest.adding(milliseconds: .min).millisecondsSinceEpoch == .min)
        #expect(Timestamp(millisecondsSinceEpoch: .min).adding(milliseconds: -1).millisecondsSinceEpoch == .min)
        // A window subtracted from year 1 goes below it: fine to compare with, and written as the bound.
        let cutoff = Timestamp.earliest.adding(milliseconds: -30 * 86_400_000)
        #expect(cutoff < Timestamp.earliest)
        #expect(Timestamp(iso8601: cutoff.iso8601) == Timestamp.earliest)
        let beyond = Timestamp.latest.adding(milliseconds: 60 * 86_400_000)
        #expect(Timestamp(iso8601: beyond.iso8601) == Timestamp.latest)
        #expect(beyond.quarter == Quarter(year: 9999, number: 4))
        for extreme in [Timestamp(millisecondsSinceEpoch: .min), Timestamp(millisecondsSinceEpoch: .max)] {
            #expect(Timestamp(iso8601: extreme.iso8601) != nil)
            _ = extreme.quarter
        }
    }
}
