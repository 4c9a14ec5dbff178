import ArgumentParser
import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import TriadEvents
import TriadKafka
import UnixSignals

/// `triad tail`: follows a topic and prints each message on one line — the CloudEvent's type, id
/// and subject, or a dead letter's code, reason and origin. Ctrl-C stops it.
struct Tail: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Follow a topic and print its messages, one line each.",
        discussion:
            "Reads with a throw-away consumer group that commits nothing. Text from messages is printed with control characters escaped."
    )

    @OptionGroup var broker: BrokerOptions

    @Option(help: "The topic to follow, e.g. it.insights or it.dead-letter.")
    var topic: String

    @Flag(help: "Start at the oldest message the topic holds instead of the next one.")
    var fromBeginning = false

    @Flag(help: "Print each message as one JSON object (topic, partition, offset, key, headers, value).")
    var json = false

    @Option(help: "Stop after this many messages.")
    var count: Int?

    func validate() throws {
        guard Topic.named(topic) != nil || topic.hasSuffix(".dead-letter") else {
            throw ValidationError(
                "unknown topic '\(topic)'; known topics: \(Topic.allNames.joined(separator: ", "))")
        }
        if let count, count < 1 { throw ValidationError("--count must be at least 1, got \(count)") }
    }

    func run() async throws {
        try LibrdkafkaVersion.loaded.requireSupported()
        var logger = Logger(label: "triad.tail")
        logger.logLevel = .warning
        let printed = Mutex(0)
        let done = AsyncStream<Void>.makeStream()
        let json = self.json
        let limit = count
        let show: KafkaConsumer.Handler = { batch in
            for message in batch {
                let reachedLimit = printed.withLock { count -> Bool in
                    guard limit.map({ count < $0 }) ?? true else { return true }
                    count += 1
                    // Written at once, not buffered: a pipe sees each line as it comes.
                    FileHandle.standardOutput.write(
                        Data(((json ? TailLine.json(message) : TailLine.text(message)) + "\n").utf8))
                    return limit == count
                }
                if reachedLimit {
                    done.continuation.finish()
                    break
                }
            }
        }
        let consumer = try KafkaConsumer(
            configuration: KafkaConsumerConfiguration(
                client: KafkaConfiguration(bootstrapServers: broker.brokers),
                groupID: "triad-tail-\(UUID().uuidString.lowercased())", sessionTimeout: .seconds(6),
                offsetReset: fromBeginning ? .earliest : .latest, commitsPeriodically: false),
            topics: [topic], logger: logger, handler: show)
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: [.init(service: consumer)], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask {
                for await _ in done.stream {}
                await group.triggerGracefulShutdown()
            }
            try await group.run()
            done.continuation.finish()  // stopped by a signal: the watcher ends too
            try await tasks.waitForAll()
        }
    }
}

/// How `triad tail` prints a message.
enum TailLine {
    static func text(_ message: ConsumedMessage) -> String {
        var parts = ["\(message.topic)[\(message.partition)]@\(message.offset)"]
        if let code = message.header(DeadLetterHeader.code)?.text {
            let origin = [
                DeadLetterHeader.sourceTopic, DeadLetterHeader.sourcePartition, DeadLetterHeader.sourceOffset,
            ]
            .map { message.header($0)?.text ?? "?" }
            parts.append("dead letter \(code) from \(origin[0])[\(origin[1])]@\(origin[2]):")
            parts.append(message.header(DeadLetterHeader.reason)?.text ?? "")
        } else if let attributes = attributes(of: message) {
            parts.append(attributes["type"] ?? "?")
            parts.append("id=\(attributes["id"] ?? "?")")
            if let subject = attributes["subject"] { parts.append("subject=\(subject)") }
        } else {
            parts.append("(\(message.value.count) bytes, not a CloudEvent)")
        }
        return escaped(parts.joined(separator: "  "))
    }

    static func json(_ message: ConsumedMessage) -> String {
        var object: [String: Any] = ["topic": message.topic, "partition": message.partition, "offset": message.offset]
        if let key = message.key { object["key"] = String(decoding: key, as: UTF8.self) }
        object["headers"] = Dictionary(message.headers.map { ($0.name, String(decoding: $0.value, as: UTF8.self)) }) {
            _, last in last
        }
        object["value"] =
            (try? JSONSerialization.jsonObject(with: Data(message.value), options: [.fragmentsAllowed]))
            ?? String(decoding: message.value, as: UTF8.self)
        let data =
            (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]))
            ?? Data()
        return String(decoding: data, as: UTF8.self)
    }

    /// The CloudEvents attributes of a structured (JSON value) or binary (`ce_*` headers) message.
    private static func attributes(of message: ConsumedMessage) -> [String: String]? {
        if message.header("ce_specversion") != nil {
            var found: [String: String] = [:]
            for header in message.headers where header.name.hasPrefix("ce_") {
                found[String(header.name.dropFirst(3))] = header.text
            }
            return found
        }
        guard let object = try? JSONSerialization.jsonObject(with: Data(message.value)) as? [String: Any],
            object["specversion"] != nil
        else { return nil }
        return object.compactMapValues { $0 as? String }
    }

    /// Control characters as escapes: nothing a message carries can start a line of its own.
    static func escaped(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar.value {
            case 0x0A: out += "\\n"
            case 0x0D: out += "\\r"
            case 0x09: out += "\\t"
            case 0x00...0x1F, 0x7F...0x9F: out += "\\u{\(String(scalar.value, radix: 16))}"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
