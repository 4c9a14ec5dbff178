import ArgumentParser
import Foundation
import Logging
import TriadEvents
import TriadKafka

/// `triad dlq`: what a service dead-lettered, and sending it back to where it came from.
struct DeadLetterCommands: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dlq", abstract: "List or replay a service's dead letters.", subcommands: [List.self, Replay.self])

    struct ServiceOption: ParsableArguments {
        @Option(help: "The service whose dead-letter topic to read: marketing, finance or it.")
        var service: String

        func producer() throws -> Participant {
            guard let producer = Participant(rawValue: service), producer != .otherSystems else {
                throw ValidationError("--service must be marketing, finance or it, got '\(service)'")
            }
            return producer
        }

        func topic() throws -> String { Topic.deadLetter(of: try producer()) }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print every dead letter with its source and reason.")
        @OptionGroup var broker: BrokerOptions
        @OptionGroup var service: ServiceOption

        func run() async throws {
            let letters = try await DeadLetter.readAll(topic: try service.topic(), brokers: broker.brokers)
            for letter in letters {
                print(
                    "\(letter.message.partition):\(letter.message.offset)  id=\(letter.eventId ?? "-")  from \(letter.header(DeadLetterHeader.sourceTopic))[\(letter.header(DeadLetterHeader.sourcePartition))]@\(letter.header(DeadLetterHeader.sourceOffset))  \(letter.header(DeadLetterHeader.reason))"
                )
            }
            print("\(letters.count) dead letter(s) on \(try service.topic())")
        }
    }

    struct Replay: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Publish dead letters again, untouched, to the topic they came from.",
            discussion: """
                Without --id every dead letter is replayed. The service applies a replayed event once it is valid. \
                A dead letter goes back only to a topic the service consumes; one whose dead-letter-source-topic \
                names any other topic is refused (listed on stderr), and the exit status is 1 when nothing was replayed.
                """)
        @OptionGroup var broker: BrokerOptions
        @OptionGroup var service: ServiceOption

        @Option(name: .customLong("id"), help: "The event id of a dead letter to replay (repeatable).")
        var ids: [String] = []

        func run() async throws {
            let letters = try await DeadLetter.readAll(topic: try service.topic(), brokers: broker.brokers)
            let chosen = ids.isEmpty ? letters : letters.filter { letter in letter.eventId.map(ids.contains) ?? false }
            let missing = Set(ids).subtracting(chosen.compactMap(\.eventId))
            if !missing.isEmpty {
                throw ToolError("no dead letter with id \(missing.sorted().joined(separator: ", "))")
            }
            let excerpts = chosen.filter(\.isExcerpt)
            for letter in excerpts {
                print(
                    "skipped offset \(letter.message.offset): it keeps only an excerpt of a \(letter.header(DeadLetterHeader.originalBytes))-byte original (sha256 \(letter.header(DeadLetterHeader.originalSHA256)))"
                )
            }
            let service = try service.producer()
            var replayable: [OutgoingMessage] = []
            var refused = 0
            for letter in chosen where !letter.isExcerpt {
                switch Topic.replayDestination(ofDeadLetterFrom: service, sourceTopics: letter.sourceTopics) {
                case .success(let topic):
                    replayable.append(letter.replayMessage(to: topic))
                case .failure(let refusal):
                    refused += 1
                    FileHandle.standardError.write(
                        Data("refused offset \(letter.message.offset) (id \(letter.eventId ?? "-")): \(refusal)\n".utf8)
                    )
                }
            }
            guard !replayable.isEmpty || chosen.isEmpty else {
                throw ToolError(
                    "nothing replayed: \(refused) dead letter(s) refused, \(excerpts.count) kept only as an excerpt")
            }
            var logger = Logger(label: "triad.dlq")
            logger.logLevel = .warning
            let producer = try KafkaProducer(
                configuration: KafkaConfiguration(
                    bootstrapServers: broker.brokers, properties: ["client.id": "triad-dlq-replay"]),
                logger: logger)
            do {
                try await producer.send(all: replayable)
            } catch {
                await producer.shutdown()
                throw error
            }
            await producer.shutdown()
            print("replayed \(replayable.count) dead letter(s)" + (refused > 0 ? ", refused \(refused)" : ""))
        }
    }
}

struct DeadLetter: Sendable {
    let message: ConsumedMessage

    func header(_ name: String) -> String { message.header(name)?.text ?? "?" }

    /// The original event's id: the `ce_id` header (binary mode) or the `id` of the JSON value.
    var eventId: String? {
        if let id = message.header("ce_id")?.text { return id }
        let json = try? JSONSerialization.jsonObject(with: Data(message.value)) as? [String: Any]
        return json?["id"] as? String
    }

    /// Only an excerpt of an oversized original: nothing to replay.
    var isExcerpt: Bool { message.header(DeadLetterHeader.originalBytes) != nil }

    /// Every value of the header naming the topic it was read from (nil for one that is not UTF-8).
    var sourceTopics: [String?] { message.headers.filter { $0.name == DeadLetterHeader.sourceTopic }.map(\.text) }

    /// The original message for `topic` (what `Topic.replayDestination` allowed): same key, value and
    /// headers, without the dead-letter headers.
    func replayMessage(to topic: Topic) -> OutgoingMessage {
        OutgoingMessage(
            topic: topic.name, key: message.key, value: message.value,
            headers: message.headers.filter { !$0.name.hasPrefix(DeadLetterHeader.prefix) })
    }

    /// Everything on the topic now.
    static func readAll(topic: String, brokers: String) async throws -> [DeadLetter] {
        try LibrdkafkaVersion.loaded.requireSupported()
        var logger = Logger(label: "triad.dlq")
        logger.logLevel = .warning
        return try await TopicSnapshot.read(
            topic: topic, configuration: KafkaConfiguration(bootstrapServers: brokers), logger: logger
        )
        .map(DeadLetter.init)
    }
}
