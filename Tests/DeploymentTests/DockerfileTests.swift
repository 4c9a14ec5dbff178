import Foundation
import TestSupport
import Testing

/// The Dockerfile read as instructions, without an engine: SwiftPM builds only the last `--product`
/// of one `swift build`, so every binary the image copies needs a build of its own, and every
/// product the package declares must end up in the image.
@Suite struct DockerfileTests {
    /// The instructions, continuation lines joined.
    static func instructions() throws -> [String] {
        let text = try String(contentsOf: Paths.root.appendingPathComponent("Dockerfile"), encoding: .utf8)
        var joined: [String] = []
        var current = ""
        for line in text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("#") { continue }
            if trimmed.hasSuffix("\\") {
                current += trimmed.dropLast() + " "
            } else {
                current += trimmed
                if !current.isEmpty { joined.append(current) }
                current = ""
            }
        }
        return joined
    }

    /// The products one shell command builds: literal `--product X`, or each word of a
    /// `for V in …; do … --product "$V"` loop.
    static func builtProducts(_ run: String) -> [String] {
        var products: [String] = []
        let words = run.split(whereSeparator: { $0 == " " || $0 == ";" }).map(String.init)
        for (index, word) in words.enumerated() where word == "--product" && index + 1 < words.count {
            let argument = words[index + 1].trimmingCharacters(in: CharacterSet(charactersIn: "\"'"))
            guard argument.hasPrefix("$") else {
                products.append(argument)
                continue
            }
            let variable = String(argument.dropFirst()).trimmingCharacters(in: CharacterSet(charactersIn: "{}"))
            if let loop = words.firstIndex(of: "for"), words[loop + 1] == variable, words[loop + 2] == "in",
                let end = words[(loop + 3)...].firstIndex(of: "do")
            {
                products += words[(loop + 3)..<end]
            }
        }
        return products
    }

    @Test func everyBinaryTheImageCopiesIsBuiltOnItsOwn() throws {
        let runs = try Self.instructions().filter { $0.hasPrefix("RUN ") }
        for run in runs {
            for command in run.components(separatedBy: "&&") where command.contains("swift build") {
                #expect(
                    command.components(separatedBy: "--product").count <= 2,
                    "one swift build builds only its last --product: \(command)")
            }
        }
        let built = Set(runs.flatMap(Self.builtProducts))
        let paths = runs.flatMap { run in
            run.split(separator: " ").filter { $0.hasPrefix(".build/release/") }.map {
                String($0.dropFirst(".build/release/".count))
            }
        }
        let copied = paths.filter { !$0.hasSuffix(".resources") }
        #expect(!copied.isEmpty)
        for binary in copied {
            #expect(built.contains(binary), "the image copies \(binary), which no build step builds")
        }
        // Every executable the package declares ships, and marketing's resources (its page template)
        // beside it, where `Bundle.module` looks.
        #expect(Set(copied) == ["marketing-service", "finance-service", "it-service", "triad"])
        #expect(paths.filter { $0.hasSuffix(".resources") } == ["Triad_marketing-service.resources"])
    }

    @Test func theParserSeesTheBugItGuardsAgainst() {
        #expect(Self.builtProducts("swift build -c release --product a --product b") == ["a", "b"])
        #expect(
            Self.builtProducts(#"for p in a b c; do swift build --product "$p" || exit 1; done"#) == ["a", "b", "c"])
    }

    @Test func theStagesAreTheBasesThisMachineReproduces() throws {
        let bases = try Self.instructions().filter { $0.hasPrefix("FROM ") }
        #expect(bases == ["FROM swift:6.3-bookworm AS build", "FROM debian:trixie-slim"])
    }
}
