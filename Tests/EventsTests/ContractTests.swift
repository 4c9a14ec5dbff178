import Foundation
import TestSupport
import Testing
import TriadContracts
import TriadEvents
import TriadKafka
import TriadWire

/// The committed contracts (contracts/) are what the catalog generates, and an independent JSON
/// Schema implementation (Python's jsonschema) and the codec agree on every example.
@Suite struct ContractTests {
    let contracts = Paths.root.appendingPathComponent("contracts")

    @Test func theCommittedContractsAreWhatTheCatalogGenerates() throws {
        let generated = try EventContracts.files()
        for file in generated {
            let committed = FileManager.default.contents(atPath: contracts.appendingPathComponent(file.path).path)
                .map { String(decoding: $0, as: UTF8.self) }
            #expect(committed == file.contents, "contracts/\(file.path) is out of date: run `triad schema`")
        }
        let data = try FileManager.default.contentsOfDirectory(atPath: contracts.appendingPathComponent("data").path)
        #expect(Set(data.map { "data/" + $0 }) == Set(generated.map(\.path).filter { $0.hasPrefix("data/") }))
    }

    @Test func everyTypeHasValidAndInvalidExamples() throws {
        for type in EventType.allCases {
            let url = contracts.appendingPathComponent("examples/\(type.rawValue).json")
            let examples = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any]
            #expect(examples?["type"] as? String == type.rawValue)
            #expect(((examples?["valid"] as? [Any]) ?? []).count >= 1, "\(type.rawValue): no valid example")
            #expect(((examples?["invalid"] as? [Any]) ?? []).count >= 1, "\(type.rawValue): no invalid example")
        }
    }

    /// jsonschema accepts every valid example and refuses every invalid one naming the field it
    /// breaks; the codec, on both of its read paths, does exactly the same.
    @Test func theSchemaAndTheCodecAgreeOnEveryExample() throws {
        let cases = Paths.scratch("contracts").appendingPathComponent("cases.jsonl")
        let python = try checkContracts(["fixtures", "--cases", cases.path])
        #expect(python.status == 0, "\(python.output)")

        let lines = String(decoding: try Data(contentsOf: cases), as: UTF8.self).split(separator: "\n")
        #expect(lines.count >= 2 * EventType.allCases.count)
        for (fastPath, binary) in [(true, false), (false, false), (true, true), (false, true)] {
            let codec = EventCodec(rules: ValidationRules(currency: .euro), fastPath: fastPath)
            for line in lines {
                let example = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
                let name =
                    "\(example["name"] as! String) (\(binary ? "binary" : "structured") mode, fast path \(fastPath))"
                let event = example["event"] as! [String: Any]
                var breaks = example["breaks"] as? String
                let message: (value: [UInt8], headers: [KafkaHeader])
                if binary {
                    // The same event with its attributes in ce_ headers and its data as the value.
                    guard breaks != "data" else { continue }
                    message = try Self.binaryMode(event)
                    breaks = breaks.map { $0.hasPrefix("data.") ? String($0.dropFirst(5)) : "header ce_" + $0 }
                } else {
                    message = (Array(try JSONSerialization.data(withJSONObject: event)), [])
                }
                let topic = (event["type"] as? String).flatMap(EventType.init(rawValue:))?.topic.name
                let outcome = Result { () throws(EventRejection) in
                    try codec.decode(value: message.value, headers: message.headers, topic: topic)
                }
                switch (outcome, breaks) {
                case (.success, nil): break
                case (.failure(let rejection), nil): Issue.record("\(name): the codec refuses it: \(rejection)")
                case (.success, .some): Issue.record("\(name): the codec accepts it")
                case (.failure(let rejection), .some(let field)):
                    #expect(rejection.field == field, "\(name): the codec says \(rejection)")
                }
            }
        }
    }

    private static func binaryMode(_ event: [String: Any]) throws -> (value: [UInt8], headers: [KafkaHeader]) {
        var headers = [KafkaHeader(CloudEventHeaders.contentType, CloudEventHeaders.jsonContentType)]
        for (name, value) in event.sorted(by: { $0.key < $1.key }) where name != "data" && name != "datacontenttype" {
            headers.append(KafkaHeader(CloudEventHeaders.prefix + name, "\(value)"))
        }
        let data = try JSONSerialization.data(withJSONObject: event["data"]!, options: [.fragmentsAllowed])
        return (Array(data), headers)
    }

    @Test func theDemoEventsAndTheAsyncAPIDocumentValidate() throws {
        let demo = try FileManager.default.contentsOfDirectory(atPath: Paths.root.appendingPathComponent("demo").path)
            .filter { $0.hasSuffix(".jsonl") }.sorted().map { Paths.root.appendingPathComponent("demo/\($0)").path }
        #expect(demo.count == 2)
        let events = try checkContracts(["events"] + demo)
        #expect(events.status == 0, "\(events.output)")
        #expect(events.output.contains("triad.customer.interaction 26"), "\(events.output)")
        let asyncapi = try checkContracts(["asyncapi"])
        #expect(asyncapi.status == 0, "\(asyncapi.output)")
        #expect(asyncapi.output.contains("10 channels"), "\(asyncapi.output)")
    }

    /// Rules a payload's `validate(_:)` applies reach the schema; a shape the reader cannot
    /// describe fails loudly instead of producing a partial schema.
    @Test func rulesComeFromValidateAndUnknownShapesFail() throws {
        let interaction = try EventContracts.dataSchema(of: .customerInteraction)
        #expect(interaction["properties"]?["customerId"] == ["$ref": "#/$defs/identifier"])
        #expect(interaction["properties"]?["revenue"] == ["$ref": "#/$defs/money"])
        #expect(interaction["required"] == ["customerId", "kind", "occurredAt"])
        let cleared = try EventContracts.dataSchema(of: .churnRiskCleared)
        #expect(cleared["properties"]?["activity"]?["enum"] == ["click", "visit", "signup", "purchase"])
        let planned = try EventContracts.dataSchema(of: .campaignPlanned)
        #expect(planned["properties"]?["requestedBudget"] == ["$ref": "#/$defs/positive-money"])
        #expect(planned["properties"]?["targetRoiBps"]?["minimum"] == .integer(Int64.min))

        // Keyed by the models, lists of credits: the credits rule as far as a schema can say it.
        let conversion = try EventContracts.dataSchema(of: .conversionAttributed)
        let models = JSONValue.strings(AttributionModel.allCases.map(\.rawValue))
        let credits = conversion["properties"]?["credits"]
        #expect(conversion["required"] == ["campaignId", "orderId", "customerId", "revenue", "occurredAt", "credits"])
        #expect(credits?["required"] == models)
        let linear = credits?["properties"]?["linear"]
        #expect(linear?["minItems"] == 1)
        #expect(linear?["items"]?["properties"]?["campaignId"] == ["$ref": "#/$defs/identifier"])
        #expect(linear?["items"]?["properties"]?["bps"]?["maximum"] == 10_000)
        #expect(linear?["items"]?["properties"]?["revenue"] == ["$ref": "#/$defs/money"])
        let roi = try EventContracts.dataSchema(of: .roiReported)
        guard case .object(let byModel)? = roi["properties"]?["byModel"]?["properties"] else {
            Issue.record("roi.reported has no byModel object")
            return
        }
        #expect(JSONValue.strings(byModel.map(\.0)) == models)
        #expect(byModel[0].1["properties"]?["revenue"] == ["$ref": "#/$defs/money-total"])
        let markov = try EventContracts.dataSchema(of: .attributionMarkovComputed)
        #expect(markov["properties"]?["shares"]?["items"]?["properties"]?["bps"]?["minimum"] == 0)

        // A proposal's lines: shares in basis points, the curve's figures optional; a curve projection
        // on a budget decision names both figures; acquisition counts are not negative.
        let proposal = try EventContracts.dataSchema(of: .reallocationProposed)
        let line = proposal["properties"]?["channels"]?["items"]
        #expect(line?["properties"]?["currentShareBps"]?["maximum"] == 10_000)
        #expect(line?["properties"]?["expectedRevenueProposed"] == ["$ref": "#/$defs/money"])
        #expect(line?["required"] == ["channel", "currentShareBps", "current", "proposed", "reason"])
        #expect(proposal["properties"]?["revision"]?["maximum"] == .integer(EnvelopeChanged.maximumRevision))
        let approved = try EventContracts.dataSchema(of: .budgetApproved)
        #expect(approved["required"] == ["campaignId", "approvedBudget", "quarter"])
        guard case .array(let conditions)? = approved["allOf"] else {
            Issue.record("budget.approved has no conditions")
            return
        }
        #expect(conditions.map { $0["then"] } == [["required": ["projectedRevenue", "projectedRoiBps"]]])
        #expect(approved["properties"]?["projectedRoiBps"]?["minimum"] == -10_000)
        let acquisition = try EventContracts.dataSchema(of: .acquisitionReported)
        #expect(acquisition["properties"]?["newCustomers"]?["minimum"] == 0)
        #expect(acquisition["properties"]?["cacMinor"]?["minimum"] == .integer(Int64.min))
        let acquired = try EventContracts.dataSchema(of: .customerAcquired)
        #expect(acquired["required"] == ["customerId", "orderId", "occurredAt"])

        struct Measured: Decodable { var ratio: Double }
        #expect(throws: WireShapeError.self) { try WireShape.of(Measured.self) }
    }

    /// Every version the services read is published: the current one under the type's name, an
    /// older one beside it without the members later versions added.
    @Test func olderSchemaVersionsArePublished() throws {
        let paths = try EventContracts.files().map(\.path)
        #expect(paths.contains("data/triad.conversion.attributed.schema.json"))
        #expect(paths.contains("data/triad.conversion.attributed.v1.schema.json"))
        #expect(paths.filter { $0.contains(".v1.") }.count == 1)
        let v1 = try EventContracts.dataSchema(of: .conversionAttributed, version: 1)
        #expect(v1["title"] == "triad.conversion.attributed data, schema version 1")
        #expect(v1["properties"]?["credits"] == nil)
        #expect(v1["required"] == ["campaignId", "orderId", "customerId", "revenue", "occurredAt"])
        #expect(throws: WireShapeError.self) { try EventContracts.dataSchema(of: .conversionAttributed, version: 3) }
        let asyncapi = try AsyncAPIDocument.document()
        #expect(asyncapi["components"]?["messages"]?["triad.conversion.attributed.v1.binary"] != nil)
        #expect(
            asyncapi["channels"]?["it.attributions"]?["messages"]?["triad.conversion.attributed.v1.structured"] != nil)
    }

    private func checkContracts(_ arguments: [String]) throws -> (status: Int32, output: String) {
        try runToEnd(
            URL(fileURLWithPath: Paths.python),
            [Paths.root.appendingPathComponent("scripts/check-contracts.py").path] + arguments)
    }
}
