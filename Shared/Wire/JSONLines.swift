/// The lines of a JSON Lines input, as bytes: split at `\n` only (a `\r` just before it belongs to
/// the line end), never decoded or repaired, so that a line is checked and sent as the very bytes
/// it has. A U+2028 or U+0085 inside a string stays in its line, and bytes that are not UTF-8 stay
/// as they are for the codec to refuse. Lines of nothing but spaces, tabs and `\r` are left out;
/// numbers count every line from 1.
public struct JSONLines: Sequence {
    public struct Line: Equatable, Sendable {
        public let number: Int
        public let bytes: [UInt8]
    }

    private let input: [UInt8]

    public init(_ input: [UInt8]) { self.input = input }

    /// How many lines the input has, blank ones included (a final line without `\n` counts).
    public var count: Int {
        let breaks = input.count { $0 == 0x0A }
        return input.last == 0x0A || input.isEmpty ? breaks : breaks + 1
    }

    public func makeIterator() -> Iterator { Iterator(input: input) }

    public struct Iterator: IteratorProtocol {
        let input: [UInt8]
        var start = 0
        var number = 0

        public mutating func next() -> Line? {
            while start < input.count {
                let end = input[start...].firstIndex(of: 0x0A) ?? input.count
                var lineEnd = end
                if lineEnd > start, input[lineEnd - 1] == 0x0D { lineEnd -= 1 }  // \r\n
                let line = input[start..<lineEnd]
                start = end + 1
                number += 1
                if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { continue }
                return Line(number: number, bytes: Array(line))
            }
            return nil
        }
    }
}
