import ArgumentParser
import Foundation
import Logging
import TriadEvents
import TriadKafka
import TriadWire

/// `triad publish`: validates JSON Lines of structured-mode CloudEvents against the catalog and
/// publishes the good ones, keyed by their subject; bad lines are reported by number.
struct Publish: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Validate CloudEvents (one JSON object per line) and publish the valid ones to a topic.",
        discussion: """
            Each line must be a structured-mode CloudEvent whose type belongs on the topic. Lines end at \\n
            (or \\r\\n) only; each is checked as the bytes it has (UTF-8 is validated, never repaired) and a
            valid line is published byte for byte. Invalid lines are reported on stderr by line number and
            skipped; the exit status is 1 if any line was invalid. With --dry-run the lines are checked
            exactly as a service would check them and nothing is sent. An input of 5,000 lines or more
            shows its progress on stderr (count and rate, at most once a second, and a summary).
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

        let input: [UInt8]
        if let file {
            guard let data = FileManager.default.contents(atPath: file) else {
                throw ToolError("cannot read --file \(file)")
            }
            input = Array(data)
        } else {
            input = Array(FileHandle.standardInput.readDataToEndOfFile())
        }

        // Bytes in, the same bytes out: each line is checked as it is and, when valid, sent unchanged.
        let lines = JSONLines(input)
        var progress = StderrProgress(total: lines.count, unit: "line", verb: "checked")
        var messages: [OutgoingMessage] = []
        var invalid = 0
        for line in lines {
            do throws(EventRejection) {
                let event = try codec.decode(value: line.bytes, headers: [], topic: target.name)
                messages.append(
                    OutgoingMessage(
                        topic: target.name, key: Array(event.event.payload.subject.utf8), value: line.bytes,
                        headers: [KafkaHeader(CloudEventHeaders.contentType, CloudEventHeaders.structuredContentType)]))
            } catch {
                invalid += 1
                FileHandle.standardError.write(Data("line \(line.number): \(error)\n".utf8))
            }
            progress.advance(to: line.number)
        }
        progress.finish()

        if dryRun {
            print(
                "\(messages.count) valid event(s) for \(target.name); \(invalid) invalid line(s); nothing published (--dry-run)"
            )
            if invalid > 0 { throw ExitCode(1) }
            return
        }
        if !messages.isEmpty {
            var logger = Logger(label: "triad.publish")
            logger.logLevel = .warning
            try LibrdkafkaVersion.loaded.requireSupported()
            let producer = try KafkaProducer(
                configuration: KafkaConfiguration(
                    bootstrapServers: broker.brokers, properties: ["client.id": "triad-cli"]),
                logger: logger)
            var sent = StderrProgress(total: messages.count, unit: "event", verb: "published")
            do {
                // In slices, so that a large input shows how far it got.
                for start in stride(from: 0, to: messages.count, by: 10_000) {
                    let slice = messages[start..<min(start + 10_000, messages.count)]
                    try await producer.send(all: Array(slice))
                    sent.advance(to: start + slice.count)
                }
                sent.finish()
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

/// Progress on stderr for a large input (`threshold` items or more): a line at most every second
/// with the count and the rate, and a summary at the end. Silent for a small input.
struct StderrProgress {
    static let threshold = 5_000

    let total: Int
    let unit: String
    let verb: String
    private let started = ContinuousClock.now
    private var lastReport = ContinuousClock.now
    private var done = 0

    init(total: Int, unit: String, verb: String) {
        self.total = total
        self.unit = unit
        self.verb = verb
    }

    private var shown: Bool { total >= Self.threshold }

    mutating func advance(to count: Int) {
        done = count
        // Reading the clock costs little, but not nothing: once every 256 items.
        guard shown, count % 256 == 0, ContinuousClock.now - lastReport >= .seconds(1) else { return }
        lastReport = .now
        report("\(verb) \(done) of \(total) \(unit)s")
    }

    mutating func finish() {
        done = total
        guard shown else { return }
        report("\(verb) all \(total) \(unit)s")
    }

    private func report(_ what: String) {
        let elapsed = ContinuousClock.now - started
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let rate = seconds > 0 ? Int(Double(done) / seconds) : done
        let line = "\(what) in \(String(format: "%.1f", seconds)) s (\(rate) \(unit)s/s)\n"
        FileHandle.standardError.write(Data(line.utf8))
    }
}
