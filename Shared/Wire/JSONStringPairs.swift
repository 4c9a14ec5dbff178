/// A JSON array of two-string arrays (`[["a","b"],…]`), read without Foundation's decoder: the
/// outbox keeps message headers so. Nil when the text is anything else, or has escapes (the caller
/// falls back to a full decoder then).
public enum JSONStringPairs {
    public static func parse(_ text: String) -> [(String, String)]? {
        var text = text
        return text.withUTF8 { bytes -> [(String, String)]? in
            var scanner = JSONScanner(bytes: bytes)
            var pairs: [(String, String)] = []
            let read = scanner.array { scanner in
                var pair: [String] = []
                guard
                    scanner.array({ scanner in
                        guard let string = scanner.string() else { return false }
                        pair.append(string)
                        return true
                    }), pair.count == 2
                else { return false }
                pairs.append((pair[0], pair[1]))
                return true
            }
            return read && scanner.atEnd ? pairs : nil
        }
    }
}
