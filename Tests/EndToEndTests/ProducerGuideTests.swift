import Foundation
import Logging
import TestSupport
import Testing
import TriadEvents
import TriadKafka
import TriadWire

/// docs/producers.md is true: its kcat and Python examples, run as written against a local broker,
/// publish events the services' own codec accepts, keyed by their subject; its dry-run example
/// prints what the page says it prints.
@Suite(.serialized) struct ProducerGuideTests {
    let guide = Paths.root.appendingPathComponent("docs/producers.md")

    @Test func theGuidesExamplesPublishEventsTheServicesAccept() async throws {
        let logs = Paths.scratch("producer-guide")
        let broker = try await LocalBroker.start(logDirectory: logs)
        do {
            try await publishTheExamples(broker)
        } catch {
            await broker.stop()
            throw error
        }
        await broker.stop()
    }

    func publishTheExamples(_ broker: LocalBroker) async throws {
        let logs = Paths.scratch("producer-guide")
        try await broker.createTopics(Topic.allCases.map { ($0.name, $0.defaultPartitions) })
        let text = try String(contentsOf: guide, encoding: .utf8)
        let address = "127.0.0.1:9092"
        #expect(text.contains(address))

        let shell = Self.blocks(text, "sh").filter { $0.contains("kcat -P") }
        let python = Self.blocks(text, "python")
        #expect(shell.count == 2 && python.count == 2, "the guide's kcat and Python examples")
        for block in shell {
            let run = try runToEnd(
                URL(fileURLWithPath: "/bin/bash"),
                ["-euo", "pipefail", "-c", block.replacingOccurrences(of: address, with: broker.bootstrapServers)])
            #expect(run.status == 0, "\(block)\n\(run.output)")
        }
        let script = logs.appendingPathComponent("guide.py")
        try python.joined(separator: "\n").replacingOccurrences(of: address, with: broker.bootstrapServers)
            .write(to: script, atomically: true, encoding: .utf8)
        let run = try runToEnd(URL(fileURLWithPath: Paths.python), [script.path])
        #expect(run.status == 0, "\(run.output)")

        let codec = EventCodec(rules: ValidationRules(currency: .euro))
        var ids: [String] = []
        for topic in [Topic.adSpend, .customerInteractions] {
            let messages = try await TopicSnapshot.read(
                topic: topic.name, configuration: KafkaConfiguration(bootstrapServers: broker.bootstrapServers),
                logger: Logger(label: "test"))
            for message in messages {
                let event = try codec.decode(
                    value: message.value, headers: message.headers, topic: topic.name)
                #expect(message.key == Array(event.event.payload.subject.utf8), "keyed by its subject")
                ids.append(event.envelope.id)
            }
        }
        #expect(ids.sorted() == ["int-7", "spend-42", "spend-43", "spend-44"])
    }

    @Test func theDryRunExamplePrintsWhatTheGuideSays() throws {
        let text = try String(contentsOf: guide, encoding: .utf8)
        let block = try #require(Self.blocks(text, "sh").first { $0.contains("--dry-run") })
        let command = try #require(block.split(separator: "\n").first { $0.hasPrefix(".build/debug/triad") })
        let promised = block.split(separator: "\n").filter { $0.hasPrefix("# ") && !$0.hasPrefix("# Exactly") }
            .map { String($0.dropFirst(2)) }

        let folder = Paths.scratch("dry-run")
        let valid = try String(
            decoding: JSONSerialization.data(withJSONObject: Self.example("triad.customer.interaction", valid: 1)),
            as: UTF8.self)
        var purchase = Self.example("triad.customer.interaction", valid: 1)
        var data = purchase["data"] as! [String: Any]
        data["orderId"] = nil
        purchase["data"] = data
        let broken = try String(decoding: JSONSerialization.data(withJSONObject: purchase), as: UTF8.self)
        try [valid, broken].joined(separator: "\n").write(
            to: folder.appendingPathComponent("events.jsonl"), atomically: true, encoding: .utf8)
        let arguments = command.split(separator: " ").dropFirst().map(String.init)
        let (status, output) = try runToEnd(Paths.executable("triad"), arguments, currentDirectory: folder)
        #expect(status == 1, "an invalid line makes the exit status 1")
        #expect(output.split(separator: "\n").map(String.init) == promised, "\(output)")
    }

    /// The code blocks of a Markdown text fenced with the given language.
    static func blocks(_ text: String, _ language: String) -> [String] {
        var blocks: [String] = []
        var current: [Substring]?
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if current == nil, line == "```" + language {
                current = []
            } else if current != nil, line == "```" {
                blocks.append(current!.joined(separator: "\n"))
                current = nil
            } else {
                current?.append(line)
            }
        }
        return blocks
    }

    /// A valid example from contracts/examples.
    static func example(_ type: String, valid index: Int) -> [String: Any] {
        let url = Paths.root.appendingPathComponent("contracts/examples/\(type).json")
        let examples = try! JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
        return (examples["valid"] as! [[String: Any]])[index]
    }
}
