import Foundation
import Testing
import TriadContracts
import TriadEvents
import TriadKafka
import TriadWire

/// Events only a Triad service emits carry that service's `source`; anything else is refused as
/// `wrong-source` naming the attribute. `envelope.changed` revisions are bounded.
@Suite struct ForgedEventTests {
    let codec = EventCodec(rules: ValidationRules(currency: .euro))

    func decode(_ event: DomainEvent, source: String, binary: Bool = false) -> Result<ReceivedEvent, EventRejection> {
        Result { () throws(EventRejection) in
            let outgoing = OutgoingEvent(
                id: "e-1", source: source, time: Timestamp(millisecondsSinceEpoch: 0), event: event)
            guard let (value, headers) = try? codec.encode(outgoing) else {
                throw EventRejection(.malformedEvent, "could not encode")
            }
            guard binary else { return try codec.decode(value: value, headers: headers, topic: event.type.topic.name) }
            // The same event in binary mode: attributes in ce_ headers, data as the value.
            let json = try! JSONSerialization.jsonObject(with: Data(value)) as! [String: Any]
            let data = try! JSONSerialization.data(withJSONObject: json["data"]!)
            let ceHeaders: [KafkaHeader] = ["specversion", "id", "source", "type", "schemaversion"].map { name in
                KafkaHeader("ce_\(name)", "\(json[name]!)")
            }
            return try codec.decode(value: Array(data), headers: ceHeaders, topic: event.type.topic.name)
        }
    }

    @Test func theCatalogNamesOneSourcePerInternalType() {
        #expect(Participant.finance.eventSource == "/triad/finance")
        #expect(Participant.marketing.eventSource == "/triad/marketing")
        #expect(Participant.it.eventSource == "/triad/it")
        #expect(Participant.otherSystems.eventSource == nil)
        #expect(EventType.envelopeChanged.requiredSource == "/triad/finance")
        #expect(EventType.roiReported.requiredSource == "/triad/finance")
        #expect(EventType.campaignPlanned.requiredSource == "/triad/marketing")
        #expect(EventType.conversionAttributed.requiredSource == "/triad/it")
        #expect(EventType.churnRiskDetected.requiredSource == "/triad/it")
        #expect(EventType.adSpendReported.requiredSource == nil)
        #expect(EventType.customerInteraction.requiredSource == nil)
        for type in EventType.allCases {
            let producers = type.topic.producers
            #expect((type.requiredSource == nil) == (producers == [.otherSystems]), "\(type.rawValue)")
        }
    }

    @Test func aWrongSourceIsRefusedNamingTheAttribute() {
        let samples = EventCodecTests().samples
        var checked: Set<EventType> = []
        for event in samples {
            guard let required = event.type.requiredSource else {
                // What other systems produce comes from any source.
                #expect((try? decode(event, source: "/shop").get()) != nil, "\(event.type.rawValue)")
                continue
            }
            for binary in [false, true] {
                #expect((try? decode(event, source: required, binary: binary).get())?.envelope.source == required)
                for forged in [
                    "/shop", "/triad/finance/", "/triad/" + (required == "/triad/it" ? "finance" : "it"), "/TRIAD/IT",
                ] {
                    guard case .failure(let rejection) = decode(event, source: forged, binary: binary) else {
                        Issue.record("\(event.type.rawValue) from \(forged) was accepted")
                        continue
                    }
                    #expect(rejection.code == .wrongSource)
                    #expect(rejection.field == (binary ? "header ce_source" : "source"))
                    #expect(
                        rejection.reason.contains("'\(forged)'") && rejection.reason.contains("'\(required)'"),
                        "\(rejection)")
                }
            }
            checked.insert(event.type)
        }
        // Every type a Triad service emits (some have more than one sample).
        #expect(checked == Set(EventType.allCases.filter { $0.requiredSource != nil }))
    }

    @Test func theForgedEnvelopeOfTheIssueIsRefused() {
        let pinned = EnvelopeChanged(
            quarter: Quarter(year: 2026, number: 4), envelope: Currency.euro.money(1), reserved: Currency.euro.total(0),
            released: Currency.euro.total(0), revision: Int64.max)
        // From any source: the revision alone is refused.
        guard case .failure(let absurd) = decode(.envelopeChanged(pinned), source: "/triad/finance") else {
            Issue.record("revision 2^63-1 accepted")
            return
        }
        #expect(
            absurd
                == EventRejection(.invalidData, field: "data.revision", "must be 2147483647 or less, got \(Int64.max)"))
        var highest = pinned
        highest.revision = EnvelopeChanged.maximumRevision
        #expect((try? decode(.envelopeChanged(highest), source: "/triad/finance").get()) != nil)
        #expect(decode(.envelopeChanged(highest), source: "/billing").failure?.code == .wrongSource)
    }

    @Test func theContractsSayWhichSource() throws {
        let schema = try EventContracts.cloudEventSchema()
        guard case .array(let rules)? = schema["allOf"] else {
            Issue.record("no allOf")
            return
        }
        for (type, rule) in zip(EventType.allCases, rules) {
            let source = rule["then"]?["properties"]?["source"]?["const"]
            #expect(source == type.requiredSource.map(JSONValue.string), "\(type.rawValue)")
        }
    }
}

extension Result {
    var failure: Failure? {
        if case .failure(let failure) = self { return failure }
        return nil
    }
}
