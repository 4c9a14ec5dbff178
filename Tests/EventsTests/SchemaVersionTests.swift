import Foundation
import Testing
import TriadEvents
import TriadKafka
import TriadWire

/// `triad.conversion.attributed` at schema version 2: a version-1 event is read by upcasting it
/// (every model credits its campaign wholly) in both CloudEvents modes, a version-2 event's credits
/// are checked field by field, and a version above 2 is refused as unsupported (dead-lettered).
/// Both read paths (fast and full) decide alike on every case.
@Suite struct SchemaVersionTests {
    let codecs = [
        EventCodec(rules: ValidationRules(currency: .euro)),
        EventCodec(rules: ValidationRules(currency: .euro), fastPath: false),
    ]
    let eur = Currency.euro
    let time = Timestamp(iso8601: "2026-10-05T10:00:00Z")!

    static let fields =
        #""campaignId":"c-2","orderId":"o-1","customerId":"u-1","revenue":{"amountMinor":1001,"currency":"EUR"},"occurredAt":"2026-10-05T10:00:00Z""#

    /// Credits of a 10.01 EUR order touched by c-1 then c-2: last touch c-2, first touch c-1, the
    /// rest shared (linear's odd cent to the smaller id).
    static let credits =
        #"{"last-touch":[{"campaignId":"c-2","bps":10000,"revenue":{"amountMinor":1001,"currency":"EUR"}}],"first-touch":[{"campaignId":"c-1","bps":10000,"revenue":{"amountMinor":1001,"currency":"EUR"}}],"linear":[{"campaignId":"c-1","bps":5000,"revenue":{"amountMinor":501,"currency":"EUR"}},{"campaignId":"c-2","bps":5000,"revenue":{"amountMinor":500,"currency":"EUR"}}],"time-decay":[{"campaignId":"c-1","bps":4000,"revenue":{"amountMinor":400,"currency":"EUR"}},{"campaignId":"c-2","bps":6000,"revenue":{"amountMinor":601,"currency":"EUR"}}],"position-based":[{"campaignId":"c-1","bps":5000,"revenue":{"amountMinor":501,"currency":"EUR"}},{"campaignId":"c-2","bps":5000,"revenue":{"amountMinor":500,"currency":"EUR"}}]}"#

    static func data(credits: String? = Self.credits) -> String {
        "{" + fields + (credits.map { #","credits":"# + $0 } ?? "") + "}"
    }

    static func structured(version: String, data: String) -> String {
        #"{"specversion":"1.0","id":"a-1","source":"/triad/it","type":"triad.conversion.attributed","subject":"c-2","schemaversion":\#(version),"data":\#(data)}"#
    }

    static func binaryHeaders(version: String) -> [KafkaHeader] {
        [
            KafkaHeader("ce_specversion", "1.0"), KafkaHeader("ce_id", "a-1"), KafkaHeader("ce_source", "/triad/it"),
            KafkaHeader("ce_type", "triad.conversion.attributed"), KafkaHeader("ce_schemaversion", version),
            KafkaHeader("ce_subject", "c-2"), KafkaHeader("content-type", "application/json"),
        ]
    }

    /// What both read paths make of one message: the same outcome, or a test failure.
    func decode(_ value: String, headers: [KafkaHeader] = [], sourceLocation: SourceLocation = #_sourceLocation)
        -> Result<ReceivedEvent, EventRejection>
    {
        let outcomes = codecs.map { codec in
            Result { () throws(EventRejection) in
                try codec.decode(value: Array(value.utf8), headers: headers, topic: "it.attributions")
            }
        }
        #expect(
            outcomes[0] == outcomes[1], "the fast and full paths differ on \(value)", sourceLocation: sourceLocation)
        return outcomes[0]
    }

    /// In structured mode (`data.` before the field) and in binary mode (the field as it is).
    func refusal(data: String, version: String = "2") -> (structured: EventRejection?, binary: EventRejection?) {
        func failure(_ outcome: Result<ReceivedEvent, EventRejection>) -> EventRejection? {
            if case .failure(let rejection) = outcome { return rejection }
            return nil
        }
        return (
            failure(decode(Self.structured(version: version, data: data))),
            failure(decode(data, headers: Self.binaryHeaders(version: version)))
        )
    }

    var wholly: CreditsByModel {
        Dictionary(
            uniqueKeysWithValues: AttributionModel.allCases.map {
                ($0, [CampaignCredit(campaignId: "c-2", bps: 10_000, revenue: eur.money(1001))])
            })
    }

    @Test func aVersion1EventIsUpcastInBothModes() throws {
        let structured = try decode(Self.structured(version: "1", data: Self.data(credits: nil))).get()
        let binary = try decode(Self.data(credits: nil), headers: Self.binaryHeaders(version: "1")).get()
        for received in [structured, binary] {
            #expect(received.envelope.schemaVersion == 1)
            guard case .conversionAttributed(let conversion) = received.event else {
                Issue.record("read as \(received.event)")
                continue
            }
            #expect(conversion.campaignId == "c-2")
            #expect(conversion.revenue == eur.money(1001))
            #expect(conversion.credits == wholly)
        }
        // Version 1 had no credits: any it carries are not read.
        let stray = try decode(Self.structured(version: "1", data: Self.data())).get()
        #expect(stray.event == structured.event)
    }

    @Test func aVersion2EventKeepsItsCreditsInBothModes() throws {
        let expected = ConversionAttributed(
            campaignId: "c-2", orderId: "o-1", customerId: "u-1", revenue: eur.money(1001), occurredAt: time,
            credits: [
                .lastTouch: [CampaignCredit(campaignId: "c-2", bps: 10_000, revenue: eur.money(1001))],
                .firstTouch: [CampaignCredit(campaignId: "c-1", bps: 10_000, revenue: eur.money(1001))],
                .linear: [
                    CampaignCredit(campaignId: "c-1", bps: 5_000, revenue: eur.money(501)),
                    CampaignCredit(campaignId: "c-2", bps: 5_000, revenue: eur.money(500)),
                ],
                .timeDecay: [
                    CampaignCredit(campaignId: "c-1", bps: 4_000, revenue: eur.money(400)),
                    CampaignCredit(campaignId: "c-2", bps: 6_000, revenue: eur.money(601)),
                ],
                .positionBased: [
                    CampaignCredit(campaignId: "c-1", bps: 5_000, revenue: eur.money(501)),
                    CampaignCredit(campaignId: "c-2", bps: 5_000, revenue: eur.money(500)),
                ],
            ])
        let structured = try decode(Self.structured(version: "2", data: Self.data())).get()
        let binary = try decode(Self.data(), headers: Self.binaryHeaders(version: "2")).get()
        #expect(structured.event == .conversionAttributed(expected))
        #expect(binary.event == .conversionAttributed(expected))
        #expect(structured.envelope.schemaVersion == 2)
    }

    /// What IT writes is version 2, and reads back the same on both paths.
    @Test func emittedConversionsAreVersion2AndReadBack() throws {
        let received = try decode(Self.structured(version: "2", data: Self.data())).get()
        for codec in codecs {
            let (value, headers) = try codec.encode(
                OutgoingEvent(id: "a-1", source: "/triad/it", time: time, event: received.event))
            let json = try JSONSerialization.jsonObject(with: Data(value)) as! [String: Any]
            #expect(json["schemaversion"] as? Int == 2)
            let credits = (json["data"] as? [String: Any])?["credits"] as? [String: Any]
            #expect(credits.map { Set($0.keys) } == Set(AttributionModel.allCases.map(\.rawValue)))
            for other in codecs {
                #expect(
                    try other.decode(value: value, headers: headers, topic: "it.attributions").event == received.event)
            }
        }
    }

    @Test func aVersion2EventWithoutCreditsIsRefusedNamingThem() {
        let (structured, binary) = refusal(data: Self.data(credits: nil))
        let reason = "is required from schema version 2, naming every model (\(AttributionModel.names))"
        #expect(structured == EventRejection(.invalidData, field: "data.credits", reason))
        #expect(binary == EventRejection(.invalidData, field: "credits", reason))
        #expect(refusal(data: Self.data(credits: "{}")).structured?.field == "data.credits")
    }

    /// Each rule of the credits, broken once: the refusal names the field and says what is wrong.
    @Test(arguments: [
        // A model left out.
        (
            (
                #","position-based":[{"campaignId":"c-1","bps":5000,"revenue":{"amountMinor":501,"currency":"EUR"}},{"campaignId":"c-2","bps":5000,"revenue":{"amountMinor":500,"currency":"EUR"}}]"#,
                ""
            ),
            "credits.position-based",
            "is required: credits name every model (last-touch, first-touch, linear, time-decay, position-based)"
        ),
        // Basis points short of 10,000.
        (
            (#""campaignId":"c-2","bps":6000"#, #""campaignId":"c-2","bps":5999"#), "credits.time-decay",
            "bps must sum to 10000, got 9999"
        ),
        // Revenue a cent over the order's.
        (
            (#""bps":6000,"revenue":{"amountMinor":601"#, #""bps":6000,"revenue":{"amountMinor":602"#),
            "credits.time-decay", "revenue must sum to the order's 1001, got 1002"
        ),
        // Not sorted by campaign id.
        (
            (
                #""linear":[{"campaignId":"c-1","bps":5000,"revenue":{"amountMinor":501,"currency":"EUR"}},{"campaignId":"c-2""#,
                #""linear":[{"campaignId":"c-3","bps":5000,"revenue":{"amountMinor":501,"currency":"EUR"}},{"campaignId":"c-2""#
            ),
            "credits.linear[1].campaignId", "must come after the one before (sorted, no repeats)"
        ),
        // One campaign twice.
        (
            (
                #""linear":[{"campaignId":"c-1","bps":5000,"revenue":{"amountMinor":501,"currency":"EUR"}},{"campaignId":"c-2""#,
                #""linear":[{"campaignId":"c-2","bps":5000,"revenue":{"amountMinor":501,"currency":"EUR"}},{"campaignId":"c-2""#
            ),
            "credits.linear[1].campaignId", "must come after the one before (sorted, no repeats)"
        ),
        // Last touch credits another campaign than campaignId.
        (
            (#"{"last-touch":[{"campaignId":"c-2""#, #"{"last-touch":[{"campaignId":"c-1""#), "credits.last-touch",
            "must credit campaignId 'c-2' wholly"
        ),
        // A negative part, made up elsewhere.
        (
            (
                #""time-decay":[{"campaignId":"c-1","bps":4000"#, #""time-decay":[{"campaignId":"c-1","bps":-1"#
            ),
            "credits.time-decay[0].bps", "must not be negative"
        ),
        // An empty list.
        (
            (
                #"[{"campaignId":"c-1","bps":10000,"revenue":{"amountMinor":1001,"currency":"EUR"}}]"#, "[]"
            ),
            "credits.first-touch",
            "is required: credits name every model (last-touch, first-touch, linear, time-decay, position-based)"
        ),
        // A model the catalog does not know.
        ((#""linear":"#, #""markov":"#), "credits.markov", "Could not convert key to type AttributionModel"),
    ])
    func brokenCreditsAreRefusedNamingTheField(change: (String, String), field: String, reason: String) {
        let broken = Self.data(credits: Self.credits.replacingOccurrences(of: change.0, with: change.1))
        #expect(broken != Self.data(), "the change applies")
        let (structured, binary) = refusal(data: broken)
        #expect(structured?.field == "data." + field, "\(structured.map(String.init(describing:)) ?? "accepted")")
        #expect(binary?.field == field)
        #expect(structured?.reason.hasPrefix(reason) == true, "\(structured?.reason ?? "accepted")")
    }

    /// Refused as unsupported, which the services dead-letter; in both modes, whatever the data.
    @Test func aVersionAbove2IsRefusedAsUnsupported() {
        let (structured, binary) = refusal(data: Self.data(), version: "3")
        #expect(structured?.code == .unsupportedSchemaVersion)
        #expect(
            structured?.description
                == "unsupported-schema-version: schemaversion: triad.conversion.attributed version 3 is newer than "
                + "the known version 2")
        #expect(binary?.code == .unsupportedSchemaVersion)
        #expect(binary?.field == "header ce_schemaversion")
        #expect(EventType.conversionAttributed.currentVersion == 2)
    }
}
