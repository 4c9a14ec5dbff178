import ArgumentParser

/// The `triad` command-line tool: a supported way for people and other systems to talk to the suite.
@main
struct Triad: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Work with a Triad deployment over Kafka.",
        subcommands: [
            Publish.self, Topics.self, SchemaCommand.self, DeadLetterCommands.self, BriefingCommand.self, Tail.self,
        ])
}

/// Options every command that talks to Kafka shares.
struct BrokerOptions: ParsableArguments {
    @Option(help: "Kafka bootstrap servers (host:port[,host:port…]).")
    var brokers: String = "127.0.0.1:9092"
}

/// A failure while running a command (not a usage mistake): printed without the usage text.
struct ToolError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
