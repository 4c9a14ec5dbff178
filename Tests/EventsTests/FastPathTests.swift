import Foundation
import TestSupport
import Testing
import TriadEvents
import TriadKafka

@testable import TriadWire

/// The codec's fast path must decide exactly as JSONDecoder does: on valid events, on the odd
/// shapes JSON allows, and on 100,000 seeded mutations of valid events (none traps; every refusal
/// names a field, or the value when it is not JSON).
@Suite struct FastPathTests {
    let fast = EventCodec(rules: ValidationRules(currency: .euro), maxValueBytes: 4096)
    let slow = EventCodec(rules: ValidationRules(currency: .euro), maxValueBytes: 4096, fastPath: false)

    static let interaction =
        #"{"specversion":"1.0","id":"int-1","source":"/shop","type":"triad.customer.interaction","time":"2026-10-05T10:00:00Z","subject":"cust-1","schemaversion":1,"data":{"customerId":"cust-1","kind":"purchase","occurredAt":"2026-10-05T10:00:00.123Z","campaignId":"c-1","channel":"search","segment":"young","orderId":"o-1","revenue":{"amountMinor":1250,"currency":"EUR"}}}"#
    static let spend =
        #"{"specversion":"1.0","id":"s-1","source":"/ads","type":"triad.ad-spend.reported","subject":"c-1","schemaversion":"1","data":{"campaignId":"c-1","amount":{"amountMinor":5000,"currency":"EUR"},"platform":"x","occurredAt":null}}"#
    static let conversion =
        #"{"specversion":"1.0","id":"a-1","source":"/triad/it","type":"triad.conversion.attributed","subject":"c-1","schemaversion":1,"data":{"campaignId":"c-1","orderId":"o-1","customerId":"u","revenue":{"amountMinor":7,"currency":"EUR"},"occurredAt":"2026-10-05T10:00:00Z"}}"#
    /// Schema version 2: the order's credits under every model.
    static let conversionV2 =
        #"{"specversion":"1.0","id":"a-2","source":"/triad/it","type":"triad.conversion.attributed","subject":"c-1","schemaversion":2,"data":{"campaignId":"c-1","orderId":"o-2","customerId":"u","revenue":{"amountMinor":7,"currency":"EUR"},"occurredAt":"2026-10-05T10:00:00Z","credits":{"last-touch":[{"campaignId":"c-1","bps":10000,"revenue":{"amountMinor":7,"currency":"EUR"}}],"first-touch":[{"campaignId":"c-0","bps":10000,"revenue":{"amountMinor":7,"currency":"EUR"}}],"linear":[{"campaignId":"c-0","bps":5000,"revenue":{"amountMinor":4,"currency":"EUR"}},{"campaignId":"c-1","bps":5000,"revenue":{"amountMinor":3,"currency":"EUR"}}],"time-decay":[{"campaignId":"c-0","bps":3333,"revenue":{"amountMinor":2,"currency":"EUR"}},{"campaignId":"c-1","bps":6667,"revenue":{"amountMinor":5,"currency":"EUR"}}],"position-based":[{"campaignId":"c-0","bps":5000,"revenue":{"amountMinor":4,"currency":"EUR"}},{"campaignId":"c-1","bps":5000,"revenue":{"amountMinor":3,"currency":"EUR"}}]}}}"#

    func outcome(_ codec: EventCodec, _ value: [UInt8], topic: String?, binary: Bool = false) -> Result<
        ReceivedEvent, EventRejection
    > {
        let headers: [KafkaHeader] =
            binary
            ? [
                KafkaHeader("ce_specversion", "1.0"), KafkaHeader("ce_id", "b-1"), KafkaHeader("ce_source", "/shop"),
                KafkaHeader("ce_type", "triad.customer.interaction"), KafkaHeader("ce_schemaversion", "1"),
            ]
            : []
        return Result { () throws(EventRejection) in try codec.decode(value: value, headers: headers, topic: topic) }
    }

    func expectSame(
        _ text: String, topic: String? = nil, binary: Bool = false, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let value = Array(text.utf8)
        #expect(
            outcome(fast, value, topic: topic, binary: binary) == outcome(slow, value, topic: topic, binary: binary),
            "\(text)",
            sourceLocation: sourceLocation)
    }

    @Test func validEventsDecodeTheSameBothWays() throws {
        for text in [Self.interaction, Self.spend, Self.conversion, Self.conversionV2] {
            expectSame(text)
            #expect(throws: Never.self) { try outcome(fast, Array(text.utf8), topic: nil).get() }
            #expect(EventScanner.structured(Array(text.utf8)) != nil, "the fast path reads it")
        }
        expectSame(
            #"{"customerId":"u","kind":"click","occurredAt":"2026-10-05T10:00:00Z","campaignId":"c"}"#, binary: true)
    }

    @Test func unusualShapesDecodeTheSameBothWays() {
        let i = Self.interaction
        let replacements: [(String, String)] = [
            (":", " :\n\t "), ("cust-1", #"cust\u002d1"#), ("1250", "1250.0"), ("1250", "1.25e3"), ("1250", "01250"),
            ("1250", "-0"), ("1250", "99999999999999999999"), (#""schemaversion":1"#, #""schemaversion":1.0"#),
            (#""kind":"purchase""#, #""kind":"purchase","kind":"click""#),
            (#""id":"int-1""#, #""id":"int-1","id":"int-2""#),
            (#""channel":"search""#, #""channel":"radio""#),
            (#""channel":"search""#, #""channel":null,"extra":{"a":[1,{"b":"\""}]}"#),
            (#""segment":"young""#, #""segment":"jeune é 🎯""#),
            (#""revenue":{"amountMinor":1250,"currency":"EUR"}"#, #""revenue":null"#),
            ("2026-10-05T10:00:00.123Z", "2026-02-30T10:00:00Z"), (#""data":{"#, #""data":null,"x":{"#),
        ]
        var cases: [String] = replacements.map { i.replacingOccurrences(of: $0.0, with: $0.1) }
        cases += [i + " ", i + "x", "[" + i + "]", ""]
        let v2 = Self.conversionV2
        cases += [
            Self.spend.replacingOccurrences(of: #""amountMinor":5000"#, with: #""amountMinor":true"#),
            Self.conversion.replacingOccurrences(of: #""orderId":"o-1","#, with: ""),
            // Credits: an unknown model, a model twice, null, a list that is not one, a credit
            // missing a member or with an extra one, a fraction, version 2 without them, version 1
            // with them (ignored), and credits that break the sums.
            v2.replacingOccurrences(of: #""linear":"#, with: #""markov":"#),
            v2.replacingOccurrences(of: #""linear":"#, with: #""first-touch":[],"linear":"#),
            v2.replacingOccurrences(of: #""first-touch":["#, with: #""first-touch":null,"x":["#),
            v2.replacingOccurrences(of: #"{"last-touch":["#, with: #"{"last-touch":{"a":"#).replacingOccurrences(
                of: #"}}],"first"#, with: #"}}},"first"#),
            v2.replacingOccurrences(of: #""bps":10000,"#, with: ""),
            v2.replacingOccurrences(of: #""bps":3333,"#, with: #""bps":3333,"note":[1,"x"],"#),
            v2.replacingOccurrences(of: #""bps":3333,"#, with: #""bps":3333.0,"#),
            v2.replacingOccurrences(of: #""bps":6667"#, with: #""bps":6666"#),
            v2.replacingOccurrences(of: #""campaignId":"c-0","bps":3333"#, with: #""campaignId":"c-2","bps":3333"#),
            v2.replacingOccurrences(of: #""credits":{"#, with: #""credits":{},"x":{"#),
            v2.replacingOccurrences(of: #""schemaversion":2"#, with: #""schemaversion":1"#),
            Self.conversion.replacingOccurrences(of: #""schemaversion":1"#, with: #""schemaversion":2"#),
        ]
        for text in cases { expectSame(text) }
        expectSame(Self.interaction, topic: "ads.spend")
    }

    /// The writer's fast path writes what JSONEncoder writes, byte for byte: strings with quotes,
    /// backslashes, slashes, control characters and non-ASCII text, optional attributes present or
    /// not, times across the years, amounts of any sign and size.
    @Test func emittedEventsEncodeTheSameBothWays() throws {
        // The writer lists the fields by hand: a field added to the type must be added there too.
        let sample = ConversionAttributed(
            campaignId: "c", orderId: "o", customerId: "u", revenue: Money(amountMinor: 1, currency: "EUR"),
            occurredAt: Timestamp(millisecondsSinceEpoch: 0))
        #expect(
            Mirror(reflecting: sample).children.map(\.label) == [
                "campaignId", "orderId", "customerId", "revenue", "occurredAt", "credits",
            ])
        var random = SeededRandom(seed: 20_261_207)
        let pieces = [
            "c-1", "o/2", "\"", "\\", "\n", "\t", "\u{1}", "\u{1F}", "\u{8}", "\u{C}", "\r", "é", "☃", "😀", " ",
            "\u{7F}", "x",
        ]
        func text() -> String {
            (0..<Int.random(in: 0...4, using: &random)).map { _ in pieces.randomElement(using: &random)! }.joined()
        }
        func maybe() -> String? { Bool.random(using: &random) ? text() : nil }
        func money() -> Money {
            Money(amountMinor: Int64.random(in: Int64.min...Int64.max, using: &random), currency: text())
        }
        // Any models, lists of any length, in any order: the writer writes what it is given.
        func credits() -> CreditsByModel {
            var credits: CreditsByModel = [:]
            for model in AttributionModel.allCases where Int.random(in: 0..<6, using: &random) > 0 {
                credits[model] = (0..<Int.random(in: 0...3, using: &random)).map { _ in
                    CampaignCredit(
                        campaignId: text(), bps: Int64.random(in: Int64.min...Int64.max, using: &random),
                        revenue: money())
                }
            }
            return credits
        }
        func occurredAt() -> Timestamp {
            Timestamp(
                millisecondsSinceEpoch: Int64.random(in: -62_135_596_800_000...253_402_300_799_999, using: &random))
        }
        // The payload wrapped as an emitted event with random attributes: both paths write the same.
        func expectSameBothWays(_ payload: DomainEvent) throws {
            let event = OutgoingEvent(
                id: text(), source: text(),
                time: Timestamp(millisecondsSinceEpoch: Int64.random(in: 0...4_102_444_800_000, using: &random)),
                event: payload, correlationId: maybe(), causationId: maybe(), traceparent: maybe())
            let written = try fast.encode(event)
            let encoded = try slow.encode(event)
            #expect(
                written.value == encoded.value,
                "\(String(decoding: written.value, as: UTF8.self)) vs \(String(decoding: encoded.value, as: UTF8.self))"
            )
            #expect(written.headers.map(\.name) == encoded.headers.map(\.name))
            #expect(EventWriter.structured(event) != nil, "the fast path writes it")
        }
        for _ in 0..<2_000 {
            try expectSameBothWays(
                .conversionAttributed(
                    ConversionAttributed(
                        campaignId: text(), orderId: text(), customerId: text(), revenue: money(),
                        occurredAt: occurredAt(), credits: credits())))
        }

        // A customer's first purchase, its campaign present or not.
        let acquiredSample = CustomerAcquired(
            customerId: "u", orderId: "o", campaignId: nil, occurredAt: Timestamp(millisecondsSinceEpoch: 0))
        #expect(
            Mirror(reflecting: acquiredSample).children.map(\.label) == [
                "customerId", "orderId", "campaignId", "occurredAt",
            ])
        for _ in 0..<1_000 {
            try expectSameBothWays(
                .customerAcquired(
                    CustomerAcquired(
                        customerId: text(), orderId: text(), campaignId: maybe(), occurredAt: occurredAt())))
        }
    }

    /// The interaction's `data`, the value of a binary-mode message (`outcome(binary: true)`).
    static let interactionData =
        #"{"customerId":"cust-1","kind":"purchase","occurredAt":"2026-10-05T10:00:00.123Z","campaignId":"c-1","channel":"search","segment":"young","orderId":"o-1","revenue":{"amountMinor":1250,"currency":"EUR"}}"#

    /// 100,000 seeded mutations of valid events: bytes replaced, inserted or removed, and values
    /// reshaped (a member replaced by another type or size, removed or added; the JSON kept valid);
    /// in structured and binary mode, with and without the topic check (sometimes the wrong topic).
    /// The fast and full paths decide alike; an accepted event reads back the same once written
    /// again; a refusal names a field, or is `malformed-event` about the value as a whole; and each
    /// kind of outcome is seen often enough for the test to mean something.
    @Test func randomMutationsDecodeTheSameBothWays() throws {
        var random = SeededRandom(seed: 20_261_130)
        let samples = [
            (Self.interaction, "customer.interactions", false), (Self.spend, "ads.spend", false),
            (Self.conversion, "it.attributions", false), (Self.conversionV2, "it.attributions", false),
            (Self.interactionData, "customer.interactions", true),
        ]
        var outcomes: [String: Int] = [:]
        for _ in 0..<100_000 {
            let (text, home, binary) = samples[random.next(samples.count)]
            let reshaped = random.next(4) == 0
            let bytes = reshaped ? DifferentialTests.reshape(text, &random) : random.mutate(Array(text.utf8))
            let topic: String? = [nil, home, home, "ads.spend"][random.next(4)]
            let result = outcome(fast, bytes, topic: topic, binary: binary)
            let same = result == outcome(slow, bytes, topic: topic, binary: binary)
            #expect(same, "\(String(decoding: bytes, as: UTF8.self))")
            if !same { return }
            switch result {
            case .success(let received):
                outcomes[reshaped ? "accepted reshaped" : "accepted", default: 0] += 1
                // What was accepted is an event in its own right: written again, it reads the same.
                let envelope = received.envelope
                let again = try fast.encode(
                    OutgoingEvent(
                        id: envelope.id, source: envelope.source,
                        time: envelope.time ?? Timestamp(millisecondsSinceEpoch: 0),
                        event: received.event, correlationId: envelope.correlationId, causationId: envelope.causationId,
                        traceparent: envelope.traceparent))
                let reread = try fast.decode(value: again.value, headers: again.headers, topic: topic)
                #expect(reread.event == received.event, "\(String(decoding: bytes, as: UTF8.self))")
            case .failure(let rejection):
                if rejection.field == nil {
                    // Only JSON that is not JSON may go without a field: the value as a whole is named.
                    let wholeValue = rejection.code == .malformedEvent && rejection.reason.hasPrefix("value")
                    #expect(wholeValue, "\(rejection): \(String(decoding: bytes, as: UTF8.self))")
                    if !wholeValue { return }
                    outcomes["malformed value", default: 0] += 1
                } else {
                    outcomes["refused naming a field (\(rejection.code.rawValue))", default: 0] += 1
                }
            }
        }
        print(
            "mutation outcomes: "
                + outcomes.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        // Seen in the seeded run, with room: each kind must show up at least this often.
        let minimums = [
            "accepted": 1_800, "accepted reshaped": 3_500, "malformed value": 3_500,
            "refused naming a field (malformed-event)": 15_000, "refused naming a field (invalid-data)": 10_000,
            "refused naming a field (missing-attribute)": 4_000, "refused naming a field (unknown-type)": 2_000,
            "refused naming a field (wrong-topic)": 5_000, "refused naming a field (unsupported-specversion)": 500,
            "refused naming a field (wrong-currency)": 300, "refused naming a field (wrong-source)": 100,
            "refused naming a field (unsupported-schema-version)": 20,
        ]
        for (kind, minimum) in minimums {
            #expect(outcomes[kind, default: 0] >= minimum, "\(kind): \(outcomes[kind, default: 0]) of \(outcomes)")
        }
    }
}
