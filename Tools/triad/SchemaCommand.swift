import ArgumentParser
import Foundation
import TriadContracts

/// `triad schema`: writes the contracts other systems build against (JSON Schemas and the AsyncAPI
/// document), generated from the event catalog; `--check` compares instead of writing.
struct SchemaCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schema",
        abstract: "Write the JSON Schemas and the AsyncAPI document generated from the event catalog.",
        discussion: """
            Writes asyncapi.json, cloudevent.schema.json (the structured-mode event with every type's data) and \
            data/<type>.schema.json into the folder. With --check, writes nothing and exits 1 when a file is \
            missing or differs.
            """)

    @Option(help: "The contracts folder.")
    var output: String = "contracts"

    @Flag(help: "Compare with the files in the folder instead of writing them.")
    var check = false

    func run() throws {
        let folder = URL(fileURLWithPath: output)
        var stale: [String] = []
        for file in try EventContracts.files() {
            let url = folder.appendingPathComponent(file.path)
            let current = FileManager.default.contents(atPath: url.path).map { String(decoding: $0, as: UTF8.self) }
            guard current != file.contents else { continue }
            if check {
                stale.append(file.path)
                continue
            }
            try FileManager.default.createDirectory(
                at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(file.contents.utf8).write(to: url, options: .atomic)
            print("wrote \(url.path)")
        }
        if check {
            guard stale.isEmpty else {
                print(
                    "out of date in \(output) (run `triad schema --output \(output)`): \(stale.joined(separator: ", "))"
                )
                throw ExitCode(1)
            }
            print("\(output) matches the catalog")
        }
    }
}
