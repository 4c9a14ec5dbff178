import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// A tiny JSON-over-HTTP client for tests.
public struct HTTPJSON: Sendable {
    public let base: String
    /// How long one request may take (URLRequest's own timeout: cancelling a task in the middle of
    /// a URLSession request can deadlock swift-corelibs-foundation, so requests end on their own).
    public let timeout: TimeInterval

    public init(port: Int, timeout: TimeInterval = 10) {
        base = "http://127.0.0.1:\(port)"
        self.timeout = timeout
    }

    public struct Reply: Sendable {
        public let status: Int
        public let body: Data
        public var json: Any? { try? JSONSerialization.jsonObject(with: body) }
        public var object: [String: Any] { json as? [String: Any] ?? [:] }
        public var text: String { String(decoding: body, as: UTF8.self) }
    }

    public func get(_ path: String) async throws -> Reply { try await send("GET", path, body: nil) }

    public func post(_ path: String, json: String? = nil) async throws -> Reply {
        try await send("POST", path, body: json.map { Data($0.utf8) })
    }

    public func send(_ method: String, _ path: String, body: Data?, headers: [String: String] = [:]) async throws
        -> Reply
    {
        var request = URLRequest(url: URL(string: base + path)!)
        request.httpMethod = method
        request.httpBody = body
        request.timeoutInterval = timeout
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        if body != nil { request.setValue("application/json", forHTTPHeaderField: "Content-Type") }
        let (data, response) = try await URLSession.shared.data(for: request)
        return Reply(status: (response as? HTTPURLResponse)?.statusCode ?? 0, body: data)
    }

    /// nil while the server does not answer (not started yet, or gone).
    public func status(_ path: String) async -> Int? {
        try? await get(path).status
    }
}
