/// A keyset page of a list in key order: the rows whose key follows `after` (none: from the start),
/// at most `limit` of them.
public struct PageRequest: Sendable {
    public static let defaultLimit = 100
    public static let maxLimit = 1000

    public let limit: Int
    /// The key the page starts after.
    public let after: String?

    public init(limit: Int = PageRequest.defaultLimit, after: String? = nil) {
        self.limit = limit
        self.after = after
    }
}

extension SQLSession {
    /// One page of `select` (`SELECT … FROM …`, no WHERE) in `key` order: the rows where every one
    /// of `conditions` holds (their `?` bound to `arguments`) and whose key follows the page's
    /// `after`, grouped by the key when `grouped`. Rows are fetched one past the limit: that one
    /// only says another page follows.
    public func page(
        _ select: String, where conditions: [String] = [], _ arguments: [SQLValue] = [], key: String,
        grouped: Bool = false, _ page: PageRequest
    ) throws -> [SQLRow] {
        var conditions = conditions
        var arguments = arguments
        if let after = page.after {
            conditions.append("\(key) > ?")
            arguments.append(.text(after))
        }
        let filter = conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")
        let group = grouped ? " GROUP BY \(key)" : ""
        return try query(
            "\(select)\(filter)\(group) ORDER BY \(key) LIMIT ?", arguments + [.integer(Int64(page.limit + 1))])
    }
}
