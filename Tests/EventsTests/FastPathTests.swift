import Foundation
import TestSupport
import Testing
@testable import TriadEvents

/// The codec's fast path must decide exactly as JSONDecoder does: on valid events, on the odd
/// shapes JSON allows, and on 100,000 random mutations of valid events (none traps; every refusal
/// names a field or the value).
@Suite struct FastPathTests {
    let fast = EventCodec(rules: ValidationRules(currency: .euro), maxValueBytes: 4096)
    let slow = EventCodec(rules: ValidationRules(currency: .euro), maxValueBytes: 4096, fastPath: false)

    static let interaction =
        #"{"specversion":"1.0","id":"int-1","source":"/shop","type":"triad.customer.interaction","time":"2026-10-05T10:00:00Z","subject":"cust-1","schemaversion":1,"data":{"customerId":"cust-1","kind":"purchase","occurredAt":"2026-10-05T10:00:00.123Z","campaignId":"c-1","channel":"search","segment":"young","orderId":"o-1","revenue":{"amountMinor":1250,"currency":"EUR"}}}"#
    static let spend =
        #"{"specversion":"1.0","id":"s-1","source":"/ads","type":"triad.ad-spend.reported","subject":"c-1","schemaversion":"1","data":{"campaignId":"c-1","amount":{"amountMinor":5000,"currency":"EUR"},"platform":"x","occurredAt":null}}"#
    static let conversion =
        #"{"specversion":"1.0","id":"a-1","source":"/triad/it","type":"triad.conversion.attributed","subject":"c-1","schemaversion":1,"data":{"campaignId":"c-1","orderId":"o-1","customerId":"u","revenue":{"amountMinor":7,"currency":"EUR"},"occurredAt":"2026-10-05T10:00:00Z"}}"#

    func outcome(_ codec: EventCodec, _ value: [UInt8], topic: String?, binary: Bool = false) -> Result<ReceivedEvent, EventRejection> {
        let headers: [(String, [UInt8])] =
            binary
            ? [("ce_specversion", Array("1.0".utf8)), ("ce_id", Array("b-1".utf8)), ("ce_source", Array("/shop".utf8)),
               ("ce_type", Array("triad.customer.interaction".utf8)), ("ce_schemaversion", Array("1".utf8))]
            : []
        return Result { () throws(EventRejection) in try codec.decode(value: value, headers: headers, topic: topic) }
    }

    func expectSame(_ text: String, topic: String? = nil, binary: Bool = false, sourceLocation: SourceLocation = #_sourceLocation) {
        let value = Array(text.utf8)
        #expect(outcome(fast, value, topic: topic, binary: binary) == outcome(slow, value, topic: topic, binary: binary), "\(text)",
                sourceLocation: sourceLocation)
    }

    @Test func validEventsDecodeTheSameBothWays() throws {
        for text in [Self.interaction, Self.spend, Self.conversion] {
            expectSame(text)
            #expect(throws: Never.self) { try outcome(fast, Array(text.utf8), topic: nil).get() }
            #expect(FastJSON.structured(Array(text.utf8)) != nil, "the fast path reads it")
        }
        expectSame(#"{"customerId":"u","kind":"click","occurredAt":"2026-10-05T10:00:00Z","campaignId":"c"}"#, binary: true)
    }

    @Test func unusualShapesDecodeTheSameBothWays() {
        let i = Self.interaction
        let replacements: [(String, String)] = [
            (":", " :\n\t "), ("cust-1", #"cust\u002d1"#), ("1250", "1250.0"), ("1250", "1.25e3"), ("1250", "01250"),
            ("1250", "-0"), ("1250", "99999999999999999999"), (#""schemaversion":1"#, #""schemaversion":1.0"#),
            (#""kind":"purchase""#, #""kind":"purchase","kind":"click""#), (#""id":"int-1""#, #""id":"int-1","id":"int-2""#),
            (#""channel":"search""#, #""channel":"radio""#),
            (#""channel":"search""#, #""channel":null,"extra":{"a":[1,{"b":"\""}]}"#),
            (#""segment":"young""#, #""segment":"jeune é 🎯""#),
            (#""revenue":{"amountMinor":1250,"currency":"EUR"}"#, #""revenue":null"#),
            ("2026-10-05T10:00:00.123Z", "2026-02-30T10:00:00Z"), (#""data":{"#, #""data":null,"x":{"#),
        ]
        var cases: [String] = replacements.map { i.replacingOccurrences(of: $0.0, with: $0.1) }
        cases += [i + " ", i + "x", "[" + i + "]", ""]
        cases += [
            Self.spend.replacingOccurrences(of: #""amountMinor":5000"#, with: #""amountMinor":true"#),
            Self.conversion.replacingOccurrences(of: #""orderId":"o-1","#, with: ""),
        ]
        for text in cases { expectSame(text) }
        expectSame(Self.interaction, topic: "ads.spend")
    }

    @Test func randomMutationsDecodeTheSameBothWays() {
        var random = SeededRandom(seed: 20_261_130)
        for _ in 0..<100_000 {
            let bytes = random.mutate(Array([Self.interaction, Self.spend, Self.conversion][random.next(3)].utf8))
            let result = outcome(fast, bytes, topic: nil)
            let same = result == outcome(slow, bytes, topic: nil)
            #expect(same, "\(String(decoding: bytes, as: UTF8.self))")
            if case .failure(let rejection) = result {
                // Every refusal says where: a field, or the value as a whole.
                let named = rejection.field != nil || rejection.reason.hasPrefix("value")
                #expect(named, "\(rejection)")
                if !named { return }
            }
            if !same { return }
        }
    }
}
