/// A value JSON holds as one string, its `description` (a timestamp, a calendar date, a quarter).
public protocol StringCodable: Codable, CustomStringConvertible {
    /// The value `text` writes, or nil where `text` is not in the value's form.
    init?(_ text: String)
    /// What decoding says of `text` that is not in the form.
    static func refusal(of text: String) -> String
}

extension StringCodable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let value = Self(text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: Self.refusal(of: text))
        }
        self = value
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
