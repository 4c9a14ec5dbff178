import Foundation
import TestSupport
import Testing
import TriadEvents
import TriadWire

/// `triad publish` splits its input at `\n` only, checks each line as the bytes it has and would
/// send those very bytes: nothing is split, decoded or repaired on the way.
@Suite struct PublishLinesTests {
    static func interaction(customer: [UInt8], segment: String = "young") -> [UInt8] {
        Array(#"{"specversion":"1.0","id":"i-"#.utf8) + customer
            + Array(
                #"","source":"/shop","type":"triad.customer.interaction","schemaversion":1,"data":{"customerId":""#.utf8
            )
            + customer + Array(#"","kind":"click","occurredAt":"2026-10-05T10:00:00Z","segment":""#.utf8)
            + Array(segment.utf8) + Array(#""}}"#.utf8)
    }

    @Test func linesEndAtNewlineOnlyAndKeepTheirBytes() {
        let separatorInside = Self.interaction(
            customer: Array("c-1".utf8), segment: "a\u{2028}b\u{2029}c\u{85}d\u{B}e\u{C}f")
        let input: [UInt8] =
            separatorInside + [0x0D, 0x0A] + [0x20, 0x09, 0x0D, 0x0A] + [0x0A] + [0x61, 0x0D, 0x62, 0x0A]
            + [0xFF, 0xFE]
        let lines = JSONLines(input)
        #expect(lines.count == 5)
        #expect(lines.map(\.number) == [1, 4, 5])
        #expect(lines.map(\.bytes) == [separatorInside, [0x61, 0x0D, 0x62], [0xFF, 0xFE]])
        #expect(JSONLines([]).count == 0 && Array(JSONLines([])).isEmpty)
        #expect(JSONLines([0x0A]).count == 1 && Array(JSONLines([0x0A])).isEmpty)
        #expect(Array(JSONLines(Array("x\n\ny".utf8))).map(\.number) == [1, 3])
    }

    /// The tool itself, on a file with a U+2028 inside a string, CRLF line ends and two customer ids
    /// that differ only in bytes that are not UTF-8 (a repair would have made them one customer).
    @Test func theToolChecksTheBytesAndReportsBadLinesByNumber() throws {
        let folder = Paths.scratch("publish-lines")
        let file = folder.appendingPathComponent("events.jsonl")
        let lines: [[UInt8]] = [
            Self.interaction(customer: Array("c-1".utf8), segment: "line\u{2028}separator"),
            Self.interaction(customer: Array("c-".utf8) + [0xFF]),
            Self.interaction(customer: Array("c-".utf8) + [0xFE]),
            Self.interaction(customer: Array("c-2".utf8), segment: "\u{85}"),
            Self.interaction(customer: Array("c-3".utf8)),
        ]
        try Data(lines.joined(separator: [0x0D, 0x0A]) + [0x0D, 0x0A]).write(to: file)
        let run = try runToEnd(
            Paths.executable("triad"),
            ["publish", "--topic", "customer.interactions", "--file", file.path, "--dry-run"])
        #expect(run.status == 1, "\(run.output)")
        let output = run.output.split(separator: "\n").map(String.init)
        #expect(
            output == [
                "line 2: malformed-event: id: is not valid JSON: bytes that are not UTF-8 (0xFF: a stray, overlong, surrogate or cut-short sequence) (byte 31)",
                "line 3: malformed-event: id: is not valid JSON: bytes that are not UTF-8 (0xFE: a stray, overlong, surrogate or cut-short sequence) (byte 31)",
                "line 4: invalid-data: data.segment: must not contain control characters (found U+0085)",
                "2 valid event(s) for customer.interactions; 3 invalid line(s); nothing published (--dry-run)",
            ], "\(run.output)")
    }

    /// A large input shows how far it got on stderr; a small one does not.
    @Test func aLargeInputShowsItsProgress() throws {
        let folder = Paths.scratch("publish-progress")
        for count in [4_999, 6_000] {
            let file = folder.appendingPathComponent("events-\(count).jsonl")
            let lines = (0..<count).map { Self.interaction(customer: Array("c-\($0)".utf8)) }
            try Data(lines.joined(separator: [0x0A])).write(to: file)
            let run = try runToEnd(
                Paths.executable("triad"),
                ["publish", "--topic", "customer.interactions", "--file", file.path, "--dry-run"])
            #expect(run.status == 0, "\(run.output)")
            let summary = run.output.split(separator: "\n").filter { $0.hasPrefix("checked all") }
            if count < 5_000 {
                #expect(summary.isEmpty, "\(run.output)")
            } else {
                #expect(summary.count == 1, "\(run.output)")
                #expect(
                    summary.first?.wholeMatch(of: /checked all 6000 lines in \d+\.\d s \(\d+ lines\/s\)/) != nil,
                    "\(run.output)")
            }
            #expect(
                run.output.hasSuffix(
                    "\(count) valid event(s) for customer.interactions; 0 invalid line(s); nothing published (--dry-run)\n"
                ))
        }
    }
}
