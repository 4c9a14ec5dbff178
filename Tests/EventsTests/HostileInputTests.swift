import Testing
import TriadEvents
import TriadKafka
import TriadWire

/// Input an attacker or a careless upstream system sends.
@Suite struct HostileInputTests {
    let codec = EventCodec(rules: ValidationRules(currency: .euro), maxValueBytes: 4096)

    @Test func theContentTypeDecidesTheModeOverStrayHeaders() throws {
        let value = Array(
            #"{"specversion":"1.0","id":"e-1","source":"/shop","type":"triad.ad-spend.reported","subject":"c","schemaversion":1,"data":{"campaignId":"c","amount":{"amountMinor":5,"currency":"EUR"}}}"#
                .utf8)
        let headers: [KafkaHeader] = [
            KafkaHeader("Content-Type", "application/cloudevents+json; charset=UTF-8"),
            KafkaHeader("ce_specversion", "1.0"),
            KafkaHeader("ce_id", "stray"),
        ]
        let event = try codec.decode(value: value, headers: headers, topic: "ads.spend")
        #expect(event.envelope.id == "e-1")
    }

    /// Which content types make a message structured: the name and the value in any case, the
    /// value's leading white space ignored (a non-breaking space too: the Unicode rules, off the
    /// byte-wise path for ASCII).
    @Test(arguments: [
        ("content-type", "application/cloudevents+json", true), ("CONTENT-TYPE", "Application/CloudEvents+JSON", true),
        ("Content-Type", " \tapplication/cloudevents+json;charset=utf-8", true),
        ("Content-Type", "\u{A0}application/cloudevents+json", true),
        ("content-type", "application/cloudevents", false),
        ("content-type", "application/json", false), ("content-typ", "application/cloudevents+json", false),
        ("content-type", "xapplication/cloudevents+json", false), ("content-type", "", false),
        ("content_type", "application/cloudevents+json", false),
    ])
    func theContentTypeNamesStructuredMode(_ name: String, _ value: String, _ structured: Bool) throws {
        let body = Array(
            #"{"specversion":"1.0","id":"e-1","source":"/shop","type":"triad.ad-spend.reported","subject":"c","schemaversion":1,"data":{"campaignId":"c","amount":{"amountMinor":5,"currency":"EUR"}}}"#
                .utf8)
        // Binary-mode attributes that name another id: the one read tells the mode.
        let headers: [KafkaHeader] = [
            KafkaHeader(name, value), KafkaHeader("ce_specversion", "1.0"), KafkaHeader("ce_id", "binary-1"),
            KafkaHeader("ce_source", "/shop"), KafkaHeader("ce_type", "triad.ad-spend.reported"),
            KafkaHeader("ce_schemaversion", "1"),
        ]
        if structured {
            #expect(try codec.decode(value: body, headers: headers, topic: "ads.spend").envelope.id == "e-1")
        } else {
            // Read as binary: the whole CloudEvent is then not an ad-spend payload.
            #expect(throws: EventRejection.self) { try codec.decode(value: body, headers: headers, topic: "ads.spend") }
        }
    }

    @Test func identifiersRefuseControlCharacters() {
        let rules = ValidationRules(currency: .euro)
        #expect(throws: EventRejection.self) { try rules.requireIdentifier("s-1\u{0}a", "id") }
        #expect(throws: EventRejection.self) { try rules.requireIdentifier("s-1\n", "id") }
        #expect(throws: EventRejection.self) { try rules.requireIdentifier("\u{85}", "id") }
        #expect(throws: EventRejection.self) { try rules.requireIdentifier(" \u{3000} ", "id") }
        #expect(throws: EventRejection.self) { try rules.requireIdentifier(String(repeating: "é", count: 101), "id") }
        #expect(throws: Never.self) { try rules.requireIdentifier(String(repeating: "é", count: 100), "id") }
        #expect(throws: Never.self) { try rules.requireIdentifier("c 2/é?%", "id") }
    }

    /// The attributes a caused event carries again follow the identifier rule, in both modes.
    @Test func envelopeIdentifiersFollowTheRule() throws {
        func structured(id: String = "e-1", source: String = "/shop", extra: String = "") -> [UInt8] {
            Array(
                #"{"specversion":"1.0","id":"\#(id)","source":"\#(source)","type":"triad.ad-spend.reported","schemaversion":1\#(extra),"data":{"campaignId":"c","amount":{"amountMinor":5,"currency":"EUR"}}}"#
                    .utf8)
        }
        func field(_ value: [UInt8], headers: [KafkaHeader] = []) -> String? {
            do {
                _ = try codec.decode(value: value, headers: headers, topic: "ads.spend")
                return nil
            } catch {
                #expect(error.code == .invalidData)
                return error.field
            }
        }
        let longest = String(repeating: "i", count: 200)
        #expect(throws: Never.self) {
            try codec.decode(value: structured(id: longest), headers: [], topic: "ads.spend")
        }
        #expect(field(structured(id: longest + "i")) == "id")
        #expect(field(structured(id: "e\\u0000x")) == "id")
        #expect(field(structured(source: "/s\\u001b")) == "source")
        #expect(field(structured(extra: #","correlationid":"\#(longest)x""#)) == "correlationid")
        #expect(field(structured(extra: #","causationid":"a\nb""#)) == "causationid")
        let binary: [KafkaHeader] = [
            KafkaHeader("ce_specversion", "1.0"), KafkaHeader("ce_id", longest + "i"),
            KafkaHeader("ce_source", "/shop"),
            KafkaHeader("ce_type", "triad.ad-spend.reported"), KafkaHeader("ce_schemaversion", "1"),
        ]
        #expect(
            field(Array(#"{"campaignId":"c","amount":{"amountMinor":5,"currency":"EUR"}}"#.utf8), headers: binary)
                == "header ce_id")
    }

    /// One date range everywhere: years 0001 to 9999, on timestamps and calendar dates alike.
    @Test func datesHaveOneRangeWithExactEdges() {
        #expect(Timestamp(iso8601: "0001-01-01T00:00:00Z")?.iso8601 == "0001-01-01T00:00:00.000Z")
        #expect(Timestamp(iso8601: "9999-12-31T23:59:59.999Z")?.iso8601 == "9999-12-31T23:59:59.999Z")
        #expect(Timestamp(iso8601: "0000-12-31T23:59:59.999Z") == nil)
        #expect(Timestamp(iso8601: "10000-01-01T00:00:00Z") == nil)
        #expect(CalendarDate("0001-01-01")?.description == "0001-01-01")
        #expect(CalendarDate("9999-12-31")?.description == "9999-12-31")
        #expect(CalendarDate("0000-12-31") == nil)
        #expect(CalendarDate("10000-01-01") == nil)
        #expect(CalendarDate("2028-02-29") != nil && CalendarDate("2026-02-29") == nil)
    }

    @Test func oneAmountHasAnUpperBound() {
        let rules = ValidationRules(currency: .euro)
        #expect(throws: Never.self) { try rules.requireMoney(Currency.euro.money(Money.maximumMinor), "amount") }
        #expect(throws: EventRejection.self) {
            try rules.requireMoney(Currency.euro.money(Money.maximumMinor + 1), "amount")
        }
        #expect(Money.maximumMinor == 1_000_000_000_000_000)
    }

    @Test func everyQuarterReadsBack() {
        for year in [1, 999, 2026, 9999] {
            let quarter = CalendarDate(year: year, month: 12, day: 31)!.quarter
            #expect(Quarter(quarter.description) == quarter, "\(quarter)")
        }
    }
}
