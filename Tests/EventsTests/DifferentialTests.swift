import Foundation
import TestSupport
import Testing
import TriadEvents
import TriadWire

/// The codec and the published JSON Schemas (Python's jsonschema after a strict JSON read) decide
/// alike on a seeded fuzz corpus: byte mutations of valid events, and mutations that keep the JSON
/// valid but change a value's type or size, drop or add a member, or repeat one. Same decision, and
/// when both refuse on the schema's ground, the codec names a field the schema names.
@Suite struct DifferentialTests {
    static let seeds = [
        FastPathTests.interaction, FastPathTests.spend, FastPathTests.conversion, FastPathTests.conversionV2,
    ]

    /// Values a mutation puts in place of another: other types, edge sizes, near misses.
    static var replacements: [Any] {
        [
            "", "x", String(repeating: "i", count: 200), String(repeating: "i", count: 201), "EUR", "eur", "USD",
            "2026-10-05T10:00:00Z", "2026-13-05T10:00:00Z", "purchase", "radio", 0, -1, 1, 1.5, Int64.max, 1e300,
            Double(Int64.max) * 4, true, NSNull(), [Any](), [String: Any](), ["amountMinor": 1, "currency": "EUR"],
        ]
    }

    /// A JSON-valid mutation: one member somewhere replaced, removed or added (sorted keys out).
    static func reshape(_ text: String, _ random: inout SeededRandom) -> [UInt8] {
        var root = try! JSONSerialization.jsonObject(with: Data(text.utf8)) as! [String: Any]
        func paths(_ value: Any, _ path: [String]) -> [[String]] {
            guard let object = value as? [String: Any] else { return [] }
            return object.keys.sorted().flatMap { [path + [$0]] + paths(object[$0]!, path + [$0]) }
        }
        let all = paths(root, [])
        let path = all[random.next(all.count)]
        func change(_ object: inout [String: Any], _ rest: ArraySlice<String>) {
            let key = rest.first!
            if rest.count > 1, var inner = object[key] as? [String: Any] {
                change(&inner, rest.dropFirst())
                object[key] = inner
                return
            }
            switch random.next(4) {
            case 0: object[key] = nil
            case 1: object["extra\(random.next(3))"] = replacements[random.next(replacements.count)]
            default: object[key] = replacements[random.next(replacements.count)]
            }
        }
        change(&root, path[...])
        return Array(try! JSONSerialization.data(withJSONObject: root, options: [.sortedKeys, .fragmentsAllowed]))
    }

    /// A member repeated at a random object of the text (`{"k":v,` inserted after a `{`).
    static func repeatMember(_ text: String, _ random: inout SeededRandom) -> [UInt8] {
        let bytes = Array(text.utf8)
        let openings = bytes.indices.filter { bytes[$0] == UInt8(ascii: "{") }
        let at = openings[random.next(openings.count)]
        var end = at + 1
        while bytes[end] != UInt8(ascii: ",") && bytes[end] != UInt8(ascii: "}") { end += 1 }
        guard bytes[end] == UInt8(ascii: ",") else { return bytes }
        return Array(bytes[...end]) + Array(bytes[(at + 1)...])
    }

    /// Rules the schemas cannot say (docs/producers.md): the deployment's currency, `subject`
    /// against the payload's id (checked before the payload's own rules), and the credits' order,
    /// sums and last touch (`requireCredits`).
    static func beyondTheSchema(_ rejection: EventRejection) -> Bool {
        let credits = [
            "must come after the one before", "bps must sum to", "revenue must sum to", "must credit campaignId",
        ]
        return rejection.code == .wrongCurrency
            || (rejection.field == "subject" && rejection.reason.hasSuffix("they must be the same"))
            || (rejection.field?.hasPrefix("data.credits.") == true
                && credits.contains { rejection.reason.hasPrefix($0) })
    }

    /// Whether the schema refuses `field` of `value` only for a form the codec documents reading.
    static func isLenient(_ value: [UInt8], _ field: String) -> Bool {
        guard var found = try? JSONSerialization.jsonObject(with: Data(value)) else { return false }
        for key in field.split(separator: ".") {
            guard let inner = (found as? [String: Any])?[String(key)] else { return false }
            found = inner
        }
        if found is NSNull { return true }
        let attributes: Set = ["id", "source", "subject", "time", "correlationid", "causationid", "traceparent"]
        if attributes.contains(field), let number = found as? NSNumber {
            return Int64(exactly: number) != nil
        }
        return field == "schemaversion" && (found as? String) == "1"
    }

    @Test func theCodecAndTheSchemaDecideAlikeOnAFuzzCorpus() throws {
        var random = SeededRandom(seed: 20_261_207)
        var corpus: [[UInt8]] = []
        for index in 0..<3_000 {
            let seed = Self.seeds[random.next(Self.seeds.count)]
            switch index % 3 {
            case 0: corpus.append(random.mutate(Array(seed.utf8)))
            case 1: corpus.append(Self.reshape(seed, &random))
            default: corpus.append(Self.repeatMember(seed, &random))
            }
        }
        let folder = Paths.scratch("differential")
        let input = folder.appendingPathComponent("corpus.hex")
        let output = folder.appendingPathComponent("decisions.jsonl")
        try Data(corpus.map { $0.map { String(format: "%02x", $0) }.joined() }.joined(separator: "\n").utf8).write(
            to: input)
        let python = try runToEnd(
            URL(fileURLWithPath: Paths.python),
            [Paths.root.appendingPathComponent("scripts/check-contracts.py").path, "decide", input.path, output.path])
        #expect(python.status == 0, "\(python.output)")
        let decisions = try String(decoding: Data(contentsOf: output), as: UTF8.self).split(separator: "\n").map {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
        }
        #expect(decisions.count == corpus.count)

        var counts: [String: Int] = [:]
        for (fastPath, codec) in [
            (true, EventCodec(rules: ValidationRules(currency: .euro))),
            (false, EventCodec(rules: ValidationRules(currency: .euro), fastPath: false)),
        ] {
            for (value, decision) in zip(corpus, decisions) {
                let shown = "\(String(decoding: value, as: UTF8.self)) (fast path \(fastPath))"
                let schemaAccepts = decision["accept"] as! Bool
                let schemaFields = decision["fields"] as? [String]
                let outcome = Result { () throws(EventRejection) in
                    try codec.decode(value: value, headers: [], topic: nil)
                }
                switch outcome {
                case .success where schemaAccepts:
                    counts["both accept", default: 0] += 1
                case .success:
                    // Only the leniency docs/producers.md lists: an attribute written as a number,
                    // `schemaversion` as a string, null for an optional field.
                    let lenient = schemaFields.map { $0.allSatisfy { Self.isLenient(value, $0) } } ?? false
                    #expect(lenient, "the schema refuses \(schemaFields ?? ["the JSON"]), the codec accepts: \(shown)")
                    counts["the codec's documented leniency", default: 0] += 1
                case .failure(let rejection) where schemaAccepts:
                    // Only rules the schemas cannot say (docs/producers.md): the deployment's currency,
                    // subject against the payload's id.
                    #expect(
                        Self.beyondTheSchema(rejection), "the schema accepts, the codec refuses \(rejection): \(shown)")
                    counts["beyond the schema", default: 0] += 1
                case .failure(let rejection):
                    if schemaFields != nil, Self.beyondTheSchema(rejection) {
                        counts["both refuse, the codec on a rule beyond the schema", default: 0] += 1
                    } else if let schemaFields {
                        #expect(
                            rejection.field.map(schemaFields.contains) == true,
                            "the schema names \(schemaFields), the codec says \(rejection): \(shown)")
                        counts["both refuse, same field", default: 0] += 1
                    } else {
                        #expect(
                            [.malformedEvent, .invalidData].contains(rejection.code),
                            "not strict JSON, the codec says \(rejection): \(shown)")
                        counts["both refuse the JSON", default: 0] += 1
                    }
                }
            }
        }
        // Every kind of outcome is reached often enough to mean something.
        for (outcome, minimum) in [
            ("both accept", 200), ("both refuse, same field", 500), ("both refuse the JSON", 1_000),
        ] {
            #expect(counts[outcome, default: 0] >= minimum, "\(counts)")
        }
    }
}
