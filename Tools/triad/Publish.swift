import ArgumentParser
import Foundation
import Logging
import TriadEvents
import TriadKafka

/// `triad publish`: validates JSON Lines of structured-mode CloudEvents against the catalog and
/// publishes the good ones, keyed by their subject; bad lines are reported by number.
struct Publish: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Validate CloudEvents (one JSON object per line) and publish the valid ones to a topic.",
        discussion: """
            Each line must be a structured-mode CloudEvent whose type belongs on the topic. Invalid lines
            are reported on stderr by line number and skipped; the exit status is 1 if any line was invalid.
            With --dry-run the lines are checked exactly as a service would check them and nothing is sent.
            """)

    @OptionGroup var broker: BrokerOptions

    @Option(help: "The topic to publish to, e.g. customer.interactions.")
    var topic: String

    @Option(help: "A JSON Lines file; standard input when absent.")
    var file: String?

    @Option(help: "The deployment's currency; events in another currency are refused.")
    var currency: String = "EUR"

    @Flag(help: "Only validate: report each line's problems and publish nothing (no broker needed).")
    var dryRun = false

    func run() async throws {
        guard let target = Topic.named(topic) else {
            throw ValidationError(
                "unknown topic '\(topic)'; known topics: \(Topic.allCases.map(\.name).joined(separator: ", "))")
        }
        let deploymentCurrency: Currency
        do { deploymentCurrency = try Currency(currency) } catch { throw ValidationError("--currency \(error.reason)") }
        let codec = EventCodec(rules: ValidationRules(currency: deploymentCurrency))

        let text: String
        if let file {
            guard let data = FileManager.default.contents(atPath: file) else {
                throw ToolError("cannot read --file \(file)")
            }
            text = String(decoding: data, as: UTF8.self)
        } else {
            text = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
        }

        var messages: [OutgoingMessage] = []
        var invalid = 0
        for (index, line) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty { continue }
            let bytes = Array(trimmed.utf8)
            do throws(EventRejection) {
                let event = try codec.decode(value: bytes, headers: [], topic: target.name)
                messages.append(
                    OutgoingMessage(
                        topic: target.name, key: Array(event.event.payload.subject.utf8), value: bytes,
                        headers: [KafkaHeader(CloudEventHeaders.contentType, CloudEventHeaders.structuredContentType)]))
            } catch {
                invalid += 1
                FileHandle.standardError.write(Data("line \(index + 1): \(error)\n".utf8))
            }
        }

        if dryRun {
            print("\(messages.count) valid event(s) for \(target.name); \(invalid) invalid line(s); nothing published (--dry-run)")
            if invalid > 0 { throw ExitCode(1) }
            return
        }
        if !messages.isEmpty {
            var logger = Logger(label: "triad.publish")
            logger.logLevel = .warning
            try LibrdkafkaVersion.loaded.requireSupported()
            let producer = try KafkaProducer(
                configuration: KafkaConfiguration(bootstrapServers: broker.brokers, properties: ["client.id": "triad-cli"]),
                logger: logger)
            do {
                try await producer.send(all: messages)
            } catch {
                await producer.shutdown()
                throw error
            }
            await producer.shutdown()
        }
        print("published \(messages.count) event(s) to \(target.name); \(invalid) invalid line(s)")
        if invalid > 0 { throw ExitCode(1) }
    }
}
