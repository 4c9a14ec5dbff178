import HTTPTypes
import Hummingbird

/// Bearer-token access control. With a token configured, every request that changes state needs
/// `Authorization: Bearer <token>`; reads need it too when `protectReads` is set. Health checks stay
/// open for orchestrators. Tokens are compared in constant time.
struct BearerTokenMiddleware<Context: RequestContext>: RouterMiddleware {
    let token: [UInt8]
    let protectReads: Bool

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        let isRead = request.method == .get || request.method == .head
        let isHealth = request.uri.path.hasPrefix("/health/")
        guard !isHealth, !isRead || protectReads else { return try await next(request, context) }
        guard let header = request.headers[.authorization] else {
            return refusal("this endpoint needs an Authorization: Bearer <token> header")
        }
        // RFC 9110: the scheme name is case-insensitive, then one or more spaces, then the token.
        let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer",
            Self.constantTimeEqual(Array(parts[1].drop { $0 == " " }.utf8), token)
        else { return refusal("the bearer token is not valid") }
        return try await next(request, context)
    }

    private func refusal(_ reason: String) -> Response {
        var response = JSONResponse.error(.unauthorized, field: "Authorization", reason: reason, code: "unauthorized")
        response.headers[.wwwAuthenticate] = "Bearer"
        return response
    }

    /// Compares every byte whatever the first difference, so timing does not reveal how much matched.
    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        var difference = UInt8(truncatingIfNeeded: a.count ^ b.count)
        for index in 0..<max(a.count, b.count) {
            let x = index < a.count ? a[index] : 0
            let y = index < b.count ? b[index] : 0
            difference |= x ^ y
        }
        return difference == 0
    }
}
