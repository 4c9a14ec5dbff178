import Foundation
import Testing
import TriadEvents
import TriadKafka

@testable import TriadWire

/// Values that are not strict JSON (RFC 8259) are dead-lettered, wherever they are — in a member
/// no reader looks at too — on both read paths and in both CloudEvents modes, naming the member.
@Suite struct StrictJSONTests {
    static let codecs = [
        EventCodec(rules: ValidationRules(currency: .euro), maxValueBytes: 4096),
        EventCodec(rules: ValidationRules(currency: .euro), maxValueBytes: 4096, fastPath: false),
    ]

    static let envelope =
        #"{"specversion":"1.0","id":"int-1","source":"/shop","type":"triad.customer.interaction","time":"2026-10-05T10:00:00Z","subject":"cust-1","schemaversion":1,"data":DATA}"#
    static let data =
        #"{"customerId":"cust-1","kind":"purchase","occurredAt":"2026-10-05T10:00:00.123Z","campaignId":"c-1","channel":"search","segment":"young","orderId":"o-1","revenue":{"amountMinor":1250,"currency":"EUR"}}"#
    static let binaryHeaders: [KafkaHeader] = [
        KafkaHeader("ce_specversion", "1.0"), KafkaHeader("ce_id", "b-1"), KafkaHeader("ce_source", "/shop"),
        KafkaHeader("ce_type", "triad.customer.interaction"), KafkaHeader("ce_schemaversion", "1"),
    ]

    /// A structured event whose `data` is `data`, and, when given, `member` added at the top level.
    static func structured(data: [UInt8] = Array(Self.data.utf8), member: [UInt8] = []) -> [UInt8] {
        let parts = Self.envelope.components(separatedBy: "DATA")
        var value = Array(parts[0].utf8) + data + Array(parts[1].utf8)
        if !member.isEmpty { value = Array(value.dropLast()) + Array(",".utf8) + member + Array("}".utf8) }
        return value
    }

    /// `data` with `member` added as its last member.
    static func data(with member: [UInt8]) -> [UInt8] {
        Array(Self.data.utf8.dropLast()) + Array(",".utf8) + member + Array("}".utf8)
    }

    /// The refusal of `value` (structured mode, or binary with `headers`), the same on both read paths.
    func refusal(_ value: [UInt8], headers: [KafkaHeader] = [], sourceLocation: SourceLocation = #_sourceLocation)
        -> EventRejection?
    {
        let outcomes = Self.codecs.map { codec in
            Result { () throws(EventRejection) in
                try codec.decode(value: value, headers: headers, topic: "customer.interactions")
            }
        }
        #expect(
            outcomes[0] == outcomes[1], "the fast path decides as the full reader does", sourceLocation: sourceLocation)
        guard case .failure(let rejection) = outcomes[0] else {
            Issue.record("accepted: \(String(decoding: value, as: UTF8.self))", sourceLocation: sourceLocation)
            return nil
        }
        return rejection
    }

    /// Each value is put in an unknown member `extra`: at the top level of a structured event, in
    /// its `data`, and in a binary-mode value.
    @Test(arguments: [
        ("1-2", "after the value, where ',' or '}' should be"),
        (#""\q""#, #"the escape \q"#),
        (#""\u12""#, "without four hex digits"),
        (#""\u12G4""#, "without four hex digits"),
        (#""\uD800""#, "high surrogate without a low one"),
        (#""\uD800\u0041""#, "high surrogate without a low one"),
        (#""\uDC00""#, "lone low surrogate"),
        (".e", "'.' where a value should be"),
        ("+1", "'+' where a value should be"),
        ("01", "leading zero"),
        ("-", "number without digits"),
        ("1.", "no digit after '.'"),
        ("1.e5", "no digit after '.'"),
        ("1e", "no digit in its exponent"),
        ("1e+", "no digit in its exponent"),
        ("0x10", "'x' after the value"),
        ("tru", "not true"),
        ("True", "'T' where a value should be"),
        ("nul", "not null"),
        ("nulll", "'l' after the value"),
        ("NaN", "'N' where a value should be"),
        ("[1,]", "']' where a value should be"),
        ("[1 2]", "'2' after the element"),
        (#"{"a":1,}"#, "'}' where a member name in quotes should be"),
        (#"{"a" 1}"#, "where ':' should follow"),
        ("{'a':1}", "''' where a member name"),
        ("\"a\u{1}b\"", "raw control character (U+0001)"),
        ("\"a\tb\"", "raw control character (U+0009)"),
        ("\"a\nb\"", "raw control character (U+000A)"),
        (String(repeating: "[", count: 70) + String(repeating: "]", count: 70), "nests deeper than 64 levels"),
    ])
    func eachBreakOfTheGrammarIsRefusedNamingItsMember(_ text: String, _ reason: String) {
        check(Array(text.utf8), reason)
    }

    /// Bytes that are not UTF-8, in a string: stray, overlong, a surrogate, past U+10FFFF, cut short.
    @Test(
        arguments: [
            [0xFF], [0x80], [0xC0, 0xAF], [0xC1, 0xBF], [0xE0, 0x80, 0xAF], [0xED, 0xA0, 0x80], [0xED, 0xBF, 0xBF],
            [0xF0, 0x80, 0x80, 0xAF], [0xF4, 0x90, 0x80, 0x80], [0xF5, 0x80, 0x80, 0x80], [0xE2, 0x82], [0xC3],
        ] as [[UInt8]])
    func bytesThatAreNotUTF8AreRefusedNamingTheirMember(_ bytes: [UInt8]) {
        check([0x22, 0x61] + bytes + [0x62, 0x22], "not UTF-8")
    }

    private func check(_ value: [UInt8], _ reason: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let member = Array(#""extra":"#.utf8) + value
        let placements: [(value: [UInt8], headers: [KafkaHeader], field: String)] = [
            (Self.structured(member: member), [], "extra"),
            (Self.structured(data: Self.data(with: member)), [], "data.extra"),
            (Self.data(with: member), Self.binaryHeaders, "extra"),
        ]
        for placement in placements {
            guard let rejection = refusal(placement.value, headers: placement.headers, sourceLocation: sourceLocation)
            else { continue }
            #expect(rejection.code == .malformedEvent, "\(rejection)", sourceLocation: sourceLocation)
            let field = placement.field
            let inside =
                rejection.field == field || ["[", "."].contains { rejection.field?.hasPrefix(field + $0) == true }
            #expect(inside, "\(rejection)", sourceLocation: sourceLocation)
            #expect(rejection.reason.hasPrefix("is not valid JSON: "), "\(rejection)", sourceLocation: sourceLocation)
            #expect(rejection.reason.contains(reason), "\(rejection)", sourceLocation: sourceLocation)
        }
    }

    /// What is wrong outside any member is about the value as a whole.
    @Test func breaksOutsideAnyMemberAreAboutTheValue() {
        let valid = Self.structured()
        let cases: [([UInt8], String)] = [
            (valid + Array("x".utf8), "'x' after the end of the value"),
            (valid + Array("{}".utf8), "'{' after the end of the value"),
            ([0xEF, 0xBB, 0xBF] + valid, "byte 0xEF where a value should be"),
            (Array(".e".utf8), "'.' where a value should be"),
            (Array("".utf8), "there is no value"),
            (Array(" \n".utf8), "there is no value"),
            (Array(valid.dropLast()), "the end of the input after the value, where ',' or '}' should be"),
            (Array(valid.prefix(40)), "a string that is never closed"),
        ]
        for (value, reason) in cases {
            guard let rejection = refusal(value) else { continue }
            #expect(rejection.code == .malformedEvent && rejection.field == nil, "\(rejection)")
            #expect(
                rejection.reason.hasPrefix("value is not valid JSON: ") && rejection.reason.contains(reason),
                "\(rejection)")
        }
        #expect(
            refusal(Self.data(with: Array(#""x":1"#.utf8)) + Array("]".utf8), headers: Self.binaryHeaders)?.field == nil
        )
    }

    /// A member name twice in one object, at any level: refused naming it (readers disagree on which
    /// one counts: the first here, the last in JSON Schema validators).
    @Test func duplicateMemberNamesAreRefusedAtEveryLevel() {
        let cases: [([UInt8], [KafkaHeader], String)] = [
            (Self.structured(member: Array(#""id":"int-2""#.utf8)), [], "id"),
            (Self.structured(member: Array(#""data":{}"#.utf8)), [], "data"),
            (Self.structured(member: Array(#""x":1,"x":1"#.utf8)), [], "x"),
            (Self.structured(data: Self.data(with: Array(#""customerId":"cust-2""#.utf8))), [], "data.customerId"),
            (
                Self.structured(
                    data: Array(
                        Self.data.replacingOccurrences(
                            of: #""currency":"EUR""#, with: #""currency":"EUR","amountMinor":1"#
                        ).utf8)),
                [], "data.revenue.amountMinor"
            ),
            (
                Self.structured(data: Self.data(with: Array(#""extra":{"a":[{"b":1,"b":2}]}"#.utf8))), [],
                "data.extra.a[0].b"
            ),
            // The same name however it is escaped.
            (Self.structured(data: Self.data(with: Array(#""\u006bind":"click""#.utf8))), [], "data.kind"),
            (Self.data(with: Array(#""kind":"click""#.utf8)), Self.binaryHeaders, "kind"),
            (Self.data(with: Array(#""revenue":null"#.utf8)), Self.binaryHeaders, "revenue"),
        ]
        for (value, headers, field) in cases {
            guard let rejection = refusal(value, headers: headers) else { continue }
            #expect(rejection.code == .malformedEvent, "\(rejection)")
            #expect(rejection.field == field, "\(rejection)")
            #expect(
                rejection.reason == "appears more than once in its object; duplicate member names are refused",
                "\(rejection)")
        }
        // Names that differ in their bytes are two members, canonically equivalent ones too (é and e + ◌́).
        let twoNames = Self.data(with: Array("\"caf\u{E9}\":1,\"cafe\u{301}\":2".utf8))
        for codec in Self.codecs {
            #expect(throws: Never.self) {
                try codec.decode(value: Self.structured(data: twoNames), headers: [], topic: nil)
            }
        }
    }

    /// Binary mode: a `ce_` attribute twice (in any case) is refused, like a repeated member.
    @Test func repeatedBinaryModeAttributesAreRefused() {
        let value = Array(Self.data.utf8)
        for extra in [("ce_id", "b-2"), ("CE_ID", "b-1"), ("Ce_Type", "triad.customer.interaction")] {
            let headers = Self.binaryHeaders + [KafkaHeader(extra.0, extra.1)]
            guard let rejection = refusal(value, headers: headers) else { continue }
            #expect(rejection.code == .malformedEvent, "\(rejection)")
            #expect(rejection.field == "header " + extra.0.lowercased(), "\(rejection)")
            #expect(rejection.reason == "appears more than once; duplicate attributes are refused")
        }
        var headers = Self.binaryHeaders
        headers[1] = KafkaHeader("ce_id", [0x62, 0xC0, 0xAF])
        #expect(
            refusal(value, headers: headers)
                == EventRejection(.malformedEvent, field: "header ce_id", "is not valid UTF-8"))
    }

    /// A number that does not fit names its field: past 64 bits, a fraction, past a 64-bit float.
    @Test func numbersThatDoNotFitNameTheirField() {
        let whole = "must be a whole number between \(Int64.min) and \(Int64.max), got "
        let cases: [(String, String)] = [
            ("1e400", "must be a number a 64-bit float holds, got 1e400"),
            ("-1E+400", "must be a number a 64-bit float holds, got -1E+400"),
            ("99999999999999999999", whole + "99999999999999999999"), ("12.5", whole + "12.5"),
            ("1e19", whole + "1e19"),
        ]
        for (number, reason) in cases {
            let data = Self.data.replacingOccurrences(of: "1250", with: number)
            let placements: [([UInt8], [KafkaHeader], String)] = [
                (Self.structured(data: Array(data.utf8)), [], "data.revenue.amountMinor"),
                (Array(data.utf8), Self.binaryHeaders, "revenue.amountMinor"),
            ]
            for (value, headers, field) in placements {
                #expect(refusal(value, headers: headers) == EventRejection(.invalidData, field: field, reason))
            }
        }
        // Past a float's range is refused in a member no reader looks at too.
        #expect(
            refusal(Self.structured(data: Self.data(with: Array(#""extra":[1e400]"#.utf8))))
                == EventRejection(
                    .invalidData, field: "data.extra[0]", "must be a number a 64-bit float holds, got 1e400"))
        #expect(refusal(Self.structured(member: Array(#""extra":1e309"#.utf8)))?.field == "extra")
    }

    /// Strict is not narrow: every form JSON allows still reads, the same on both paths.
    @Test func everythingJSONAllowsStillReads() throws {
        let members = [
            #""extra":"\"\\\/\b\f\n\r\t\u00e9\uD83C\uDFAF\u2028""#, #""extra":-0"#, #""extra":-0.5e-3"#,
            #""extra":1E+2"#,
            #""extra":1e-400"#, #""extra":[true,false,null,{},[],"",{"a":{"b":[0]}}]"#, "\"extra\" : \t\r\n 1 ",
            "\"extra\":\"é 🎯 \u{2028} \u{85} \u{7F} \u{FEFF}\"", #""\u0065xtra":1"#,
        ]
        for member in members {
            let value = Self.structured(data: Self.data(with: Array(member.utf8)))
            let results = Self.codecs.map { codec in
                Result { () throws(EventRejection) in try codec.decode(value: value, headers: [], topic: nil) }
            }
            #expect(results[0] == results[1], "\(member)")
            #expect(throws: Never.self, "\(member)") { try results[0].get() }
        }
        let wide = Self.data.replacingOccurrences(of: #""segment":"young""#, with: "\"segment\":\"jeune\u{2028}x\"")
        let event = try Self.codecs[0].decode(value: Self.structured(data: Array(wide.utf8)), headers: [], topic: nil)
        guard case .customerInteraction(let interaction) = event.event else { throw Unexpected() }
        #expect(interaction.segment == "jeune\u{2028}x")
    }

    struct Unexpected: Error {}

    /// The checker on its own: every byte of the grammar, nothing a reader must guess at.
    @Test func theCheckerAcceptsStrictJSONOnly() {
        for good in [
            "0", "-0", "1.5", "-1.5e-7", "1e30", "\"\"", "[]", "{}",
            "[[],{}]", "null", "true", " {\"a\" : [1 , 2] } ", "\"\\u0000\"", "\"\\uDBFF\\uDFFF\"",
        ] {
            #expect(throws: Never.self, "\(good)") { try StrictJSON.check(Array(good.utf8)) }
        }
        for bad in [
            "", "1 2", "[", "]", "{", "\"", "-01", "00", ".5", "5.", "1e", "--1", "Infinity", "nan", "[1,,2]",
            "{\"a\":}", "{:1}", "{\"a\"}", "[1]]", "\"\\x\"", "\"\\U0041\"", "\"\\uDFFF\\uD800\"", "\u{FEFF}1",
        ] {
            #expect(throws: EventRejection.self, "\(bad)") { try StrictJSON.check(Array(bad.utf8)) }
        }
        #expect(throws: Never.self) {
            try StrictJSON.check(Array((String(repeating: "[", count: 64) + String(repeating: "]", count: 64)).utf8))
        }
        #expect(throws: EventRejection.self) {
            try StrictJSON.check(Array((String(repeating: "[", count: 65) + String(repeating: "]", count: 65)).utf8))
        }
    }
}
