import ArgumentParser
import TriadEvents
import TriadKafka

/// `triad topics`: the topic catalog, and creating its topics on a broker.
struct Topics: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the topic catalog or create its topics.",
        subcommands: [List.self, Create.self], defaultSubcommand: List.self)

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print every topic with its key, producers, consumers and event types.")

        @Flag(help: "Print the README's Markdown table instead.")
        var markdown = false

        func run() {
            if markdown {
                print(Topic.markdownTable)
                return
            }
            for topic in Topic.allCases {
                print(topic.name)
                print("  key:       \(topic.key)")
                print("  producers: \(topic.producers.map(\.rawValue).joined(separator: ", "))")
                print("  consumers: \(topic.consumers.map(\.rawValue).joined(separator: ", "))")
                print(
                    "  events:    \(topic.eventTypes.map { "\($0.rawValue) v\($0.currentVersion)" }.joined(separator: ", "))"
                )
            }
            for service in [Participant.marketing, .finance, .it] {
                print(
                    "\(Topic.deadLetter(of: service))\n  dead letters of \(service.rawValue): original bytes, reason in headers"
                )
            }
        }
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create every catalog topic (existing ones are left alone).")

        @OptionGroup var broker: BrokerOptions

        @Option(help: "Partitions for every topic; each topic's default when absent.")
        var partitions: Int32?

        func run() async throws {
            if let partitions, partitions < 1 { throw ValidationError("--partitions must be at least 1") }
            let topics =
                Topic.allCases.map { ($0.name, partitions ?? $0.defaultPartitions) }
                + [Participant.marketing, .finance, .it].map { (Topic.deadLetter(of: $0), partitions ?? 1) }
            try await KafkaAdmin(configuration: KafkaConfiguration(bootstrapServers: broker.brokers))
                .createTopics(topics)
            print("created or found \(topics.count) topics on \(broker.brokers)")
        }
    }
}
