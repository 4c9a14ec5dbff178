/// A small deterministic generator (SplitMix64), so a failing run can be repeated exactly.
/// Also a `RandomNumberGenerator`, for the standard library's `random(in:using:)`.
public struct SeededRandom: RandomNumberGenerator {
    private var state: UInt64
    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A number in `0..<bound`.
    public mutating func next(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }

    /// What the mutation tests write in: JSON's punctuation, digits, letters of its literals, and
    /// bytes that are awkward in JSON (NUL, a newline, UTF-8 of `é`, a byte never valid in UTF-8).
    public static let mutationAlphabet =
        Array(#"{}[]:,"\ 0123456789.-eE+nultrfasc"#.utf8) + [0x00, 0x0A, 0xC3, 0xA9, 0xFF]

    /// `bytes` with one to three random bytes replaced, inserted or removed.
    public mutating func mutate(_ bytes: [UInt8]) -> [UInt8] {
        var bytes = bytes
        let alphabet = Self.mutationAlphabet
        for _ in 0..<(1 + next(3)) {
            let at = next(bytes.count)
            switch next(3) {
            case 0: bytes[at] = alphabet[next(alphabet.count)]
            case 1: bytes.insert(alphabet[next(alphabet.count)], at: at)
            default: bytes.remove(at: at)
            }
        }
        return bytes
    }
}
