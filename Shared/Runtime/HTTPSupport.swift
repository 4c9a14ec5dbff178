import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import ServiceContextModule
import TriadEvents
import TriadStorage
import TriadWire

/// The APIs' error answers, and request parsing shared by the services' HTTP APIs. (A route answers
/// with an `Encodable` value: `APIRequestContext` writes it.)
public enum JSONResponse {
    /// JSON bytes as an answer.
    static func make(_ json: [UInt8], status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status, headers: [.contentType: "application/json"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: json)))
    }

    /// `{"error": {"code": …, "field": …, "reason": …}}`: what is wrong, and where.
    public static func error(_ status: HTTPResponse.Status, field: String?, reason: String, code: String? = nil)
        -> Response
    {
        let body = ErrorBody(error: .init(code: code ?? Self.code(for: status), field: field, reason: reason))
        // An error body is strings only: it always encodes.
        return make((try? ResponseJSONEncoder().encode(body)) ?? [], status: status)
    }

    /// The error code of a status when nothing more precise is known: one vocabulary, kebab-case.
    public static func code(for status: HTTPResponse.Status) -> String {
        switch status.code {
        case 400: "invalid-request"
        case 401: "unauthorized"
        case 403: "forbidden"
        case 404: "not-found"
        case 405: "method-not-allowed"
        case 409: "conflict"
        case 413: "payload-too-large"
        case 503: "unavailable"
        case 500...599: "internal-error"
        default: status.reasonPhrase.lowercased().split(separator: " ").joined(separator: "-")
        }
    }

    struct ErrorBody: Encodable {
        struct Detail: Encodable {
            let code: String
            let field: String?
            let reason: String
        }
        let error: Detail
    }
}

/// A request the API refuses, thrown by a route: what is wrong and where, answered as
/// `{"error": {"code": …, "field": …, "reason": …}}` with its status.
public struct APIError: HTTPResponseError, Sendable {
    public let status: HTTPResponse.Status
    public let code: String
    public let field: String?
    public let reason: String

    /// `code` defaults to the status's code (`JSONResponse.code(for:)`).
    public init(_ status: HTTPResponse.Status, field: String? = nil, reason: String, code: String? = nil) {
        self.status = status
        self.code = code ?? JSONResponse.code(for: status)
        self.field = field
        self.reason = reason
    }

    /// An input that breaks a rule of the catalog, refused with the code a dead letter would carry.
    public init(_ rejection: EventRejection, status: HTTPResponse.Status = .badRequest) {
        self.init(status, field: rejection.field, reason: rejection.reason, code: rejection.code.rawValue)
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        JSONResponse.error(status, field: field, reason: reason, code: code)
    }
}

/// Every error a route or the router throws (a refusal, an unknown route, a wrong method, a missing
/// parameter, the database away) goes on as an `APIError`, which answers in the one JSON shape as an
/// `HTTPResponseError`; anything unexpected is logged and goes on as a 500.
struct APIErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    let logger: Logger

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        do {
            return try await next(request, context)
        } catch let refusal as APIError {
            throw refusal
        } catch let error as DatabaseUnavailable {
            throw APIError.databaseUnavailable(error)
        } catch let error as HTTPError {
            throw APIError(error.status, reason: error.body ?? error.status.reasonPhrase)
        } catch let error as any HTTPResponseError {
            throw APIError(error.status, reason: error.status.reasonPhrase)
        } catch {
            logger.error("request failed", metadata: ["path": "\(request.uri.path)", "error": "\(error)"])
            throw APIError(.internalServerError, reason: "the request could not be handled")
        }
    }
}

extension RequestContext {
    /// A path parameter, percent-decoded (`/campaigns/a%2Fb` names campaign `a/b`). One no
    /// identifier can be (a control character, over 200 bytes, only white space) names nothing:
    /// 404 naming it, before a store is asked (PostgreSQL refuses a NUL in text with an error).
    public func pathParameter(_ name: String) throws -> String {
        let raw = try parameters.require(name)
        guard let decoded = raw.removingPercentEncoding else {
            throw HTTPError(.badRequest, message: "path parameter \(name) is not valid percent-encoding: '\(raw)'")
        }
        do {
            try ValidationRules(currency: .euro).requireIdentifier(decoded, name)
        } catch {
            throw APIError(.notFound, field: name, reason: "nothing has this \(name): an identifier \(error.reason)")
        }
        return decoded
    }
}

extension Request {
    /// A query parameter that narrows a list to one id (`?segment=`, `?campaign=`); one no
    /// identifier can be is refused with 400 naming it, before a store is asked.
    public func identifierParameter(_ name: String) throws(APIError) -> String? {
        guard let value = uri.queryParameters.get(name).map({ String($0) }) else { return nil }
        do {
            try ValidationRules(currency: .euro).requireIdentifier(value, name)
        } catch {
            throw APIError(.badRequest, field: name, reason: error.reason)
        }
        return value
    }

    /// The body, refused with 413 beyond `limit` bytes.
    public func bodyBytes(limit: Int) async throws(APIError) -> [UInt8] {
        do {
            let buffer = try await body.collect(upTo: limit)
            return Array(buffer.readableBytesView)
        } catch {
            throw APIError(.contentTooLarge, reason: "request body is over the \(limit)-byte limit")
        }
    }

    /// The `X-Correlation-ID` header, or a new id.
    public var correlationId: String {
        headers[HTTPField.Name("X-Correlation-ID")!] ?? UUID().uuidString.lowercased()
    }

    /// W3C trace context from the request, if the caller sent one.
    public var traceparent: String? { headers[HTTPField.Name("traceparent")!] }

    /// The request as the cause of what it emits: within the request's span while tracing
    /// (`TracingMiddleware`), else continuing the caller's `traceparent`.
    public var cause: Cause {
        Cause(eventId: nil, correlationId: correlationId, context: ServiceContext.current, incoming: traceparent)
    }
}

/// Decodes a JSON request body into `T`, naming the field that is wrong (or the body as a whole).
public func decodeRequestBody<T: Decodable>(_ type: T.Type, from bytes: [UInt8]) throws(EventRejection) -> T {
    // Strict JSON first, as events are read: UTF-8, escapes, numbers, no member name twice.
    try StrictJSON.check(bytes)
    do {
        return try JSONDecoder().decode(T.self, from: Data(bytes))
    } catch {
        throw EventRejection.misfitNumber(in: bytes) ?? EventRejection(decodingError: error, prefix: nil)
    }
}

/// `decodeRequestBody`, refused with 400: a field that breaks a rule has the code a dead letter
/// would have (`invalid-data`); a body that cannot be read as a whole is an `invalid-request`.
public func decodeJSON<T: Decodable>(_ type: T.Type, from bytes: [UInt8]) throws(APIError) -> T {
    if let kind = nonObjectBody(bytes) {
        throw APIError(
            .badRequest, reason: "the request body must be a JSON object, got \(kind)", code: "invalid-request")
    }
    do {
        return try decodeRequestBody(type, from: bytes)
    } catch {
        throw APIError(
            .badRequest, field: error.field, reason: error.reason,
            code: error.field == nil || error.code == .malformedEvent ? "invalid-request" : error.code.rawValue)
    }
}

/// What the body is when it is plainly not a JSON object (empty, an array, a string, a number,
/// `true`, `false` or `null`), by its first byte after white space; nil otherwise (an object, or
/// something the decoder then refuses as malformed).
func nonObjectBody(_ bytes: [UInt8]) -> String? {
    guard let first = bytes.first(where: { ![0x20, 0x09, 0x0A, 0x0D].contains($0) }) else { return "an empty body" }
    switch first {
    case UInt8(ascii: "["): return "an array"
    case UInt8(ascii: "\""): return "a string"
    case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return "a number"
    case UInt8(ascii: "t"), UInt8(ascii: "f"): return "a boolean"
    case UInt8(ascii: "n"): return "null"
    default: return nil
    }
}

/// The cursor and size a list route was asked for: `?after=` (the `next` of the previous page) and
/// `?limit=` (1…1000, default 100).
extension PageRequest {
    public init(_ request: Request) throws(APIError) {
        let parameters = request.uri.queryParameters
        var limit = Self.defaultLimit
        if let text = parameters.get("limit") {
            guard let value = Int(text), (1...Self.maxLimit).contains(value) else {
                throw APIError(
                    .badRequest, field: "limit",
                    reason: "must be a whole number from 1 to \(Self.maxLimit), got '\(text)'")
            }
            limit = value
        }
        var after: String?
        if let cursor = parameters.get("after") {
            guard let key = PageCursor.key(of: cursor) else {
                throw APIError(
                    .badRequest, field: "after",
                    reason: "'\(cursor)' is not a cursor of this list: pass the next of the previous page as it came")
            }
            after = key
        }
        self.init(limit: limit, after: after)
    }
}

/// A page cursor: the last key of a page, base64url without padding, so that any key survives a URL
/// unescaped and a client treats it as opaque. Only the exact spelling `cursor(after:)` gives reads back.
public enum PageCursor {
    public static func cursor(after key: String) -> String {
        Data(key.utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// The key a cursor names, or nil when it is not one this API gave out.
    public static func key(of cursor: String) -> String? {
        guard !cursor.isEmpty, cursor.utf8.count <= 4096,
            cursor.unicodeScalars.allSatisfy({
                $0.isASCII && (CharacterSet.alphanumerics.contains($0) || $0 == "-" || $0 == "_")
            })
        else { return nil }
        var base64 = cursor.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        guard let data = Data(base64Encoded: base64), let key = String(data: data, encoding: .utf8), !key.isEmpty,
            Self.cursor(after: key) == cursor,
            (try? ValidationRules(currency: .euro).requireIdentifier(key, "after")) != nil
        else { return nil }
        return key
    }
}

/// One page of a list, in key order: `next` is the cursor of the following page, absent on the last.
public struct Page<Item: Encodable & Sendable>: ResponseEncodable, Sendable {
    public let items: [Item]
    public let next: String?

    /// From rows fetched one past the limit (`SQLSession.page`).
    public init(_ rows: [Item], request: PageRequest, key: (Item) -> String) {
        items = Array(rows.prefix(request.limit))
        next = rows.count > request.limit ? items.last.map(key).map(PageCursor.cursor(after:)) : nil
    }
}
