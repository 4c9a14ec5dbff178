import Foundation
import TriadEvents

extension EventRejection {
    /// Names the field a `DecodingError` is about, e.g. `data.requestedBudget.amountMinor`.
    public init(decodingError error: any Error, prefix: String?) {
        func path(_ codingPath: [any CodingKey], _ last: (any CodingKey)? = nil) -> String {
            let keys = (codingPath + (last.map { [$0] } ?? [])).map { key in
                key.intValue.map { "[\($0)]" } ?? key.stringValue
            }
            return keys.joined(separator: ".").replacingOccurrences(of: ".[", with: "[")
        }
        switch error {
        case DecodingError.keyNotFound(let key, let context):
            self.init(.invalidData, field: path(context.codingPath, key), "is required")
        case DecodingError.valueNotFound(_, let context):
            self.init(.invalidData, field: path(context.codingPath), "is required, got null")
        case DecodingError.typeMismatch(let type, let context):
            self.init(.invalidData, field: path(context.codingPath), "must be \(Self.describe(type))")
        case DecodingError.dataCorrupted(let context) where !context.codingPath.isEmpty:
            self.init(.invalidData, field: path(context.codingPath), context.debugDescription)
        case DecodingError.dataCorrupted(let context):
            self.init(.malformedEvent, "value is not valid JSON: \(context.debugDescription)")
        default:
            // JSON the parser refused (bytes that are not UTF-8, a broken literal): the value as a whole.
            self.init(.malformedEvent, "value is not valid JSON: \(error)")
        }
        if let prefix { self = self.prefixed(prefix) }
    }

    /// Foundation's decoder reports a number that does not fit an integer field (a fraction, past
    /// 64 bits) as invalid JSON as a whole, without a path. Every number in the catalog and the HTTP
    /// bodies is a whole number, so the first number in `bytes` that is not one that fits 64 bits
    /// (in document order) is the field to name; nil when there is none, or the bytes are not JSON.
    /// `member` limits the search to one member of the top-level object (a structured event's `data`).
    public static func misfitNumber(in bytes: [UInt8], member: String? = nil) -> EventRejection? {
        guard let misfit = StrictJSON.firstMisfitInteger(in: bytes, under: member) else { return nil }
        let rule = "must be a whole number between \(Int64.min) and \(Int64.max), got \(misfit.text)"
        guard let field = misfit.field else { return EventRejection(.invalidData, "value \(rule)") }
        return EventRejection(.invalidData, field: field, rule)
    }

    func prefixed(_ prefix: String?) -> EventRejection {
        guard let prefix, let field else { return self }
        return EventRejection(code, field: "\(prefix).\(field)", reason)
    }

    private static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Int.Type, is Int64.Type: "an integer"
        case is Bool.Type: "true or false"
        default: "of type \(type)"
        }
    }
}
