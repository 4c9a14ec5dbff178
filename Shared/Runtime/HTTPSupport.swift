import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import TriadEvents

/// JSON responses and request parsing shared by the services' HTTP APIs.
public enum JSONResponse {
    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return encoder
    }()

    public static func make<T: Encodable>(_ value: T, status: HTTPResponse.Status = .ok) -> Response {
        do {
            let data = try encoder.encode(value)
            return Response(
                status: status, headers: [.contentType: "application/json"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
        } catch {
            return self.error(.internalServerError, field: nil, reason: "could not encode the response: \(error)")
        }
    }

    /// `{"error": {"code": …, "field": …, "reason": …}}`: what is wrong, and where.
    public static func error(_ status: HTTPResponse.Status, field: String?, reason: String, code: String? = nil)
        -> Response
    {
        make(ErrorBody(error: .init(code: code ?? status.reasonPhrase, field: field, reason: reason)), status: status)
    }

    public static func rejection(_ rejection: EventRejection) -> Response {
        error(
            rejection.code == .ruleViolation ? .conflict : .badRequest, field: rejection.field,
            reason: rejection.reason, code: rejection.code.rawValue)
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

extension Request {
    /// The body, refused with 413 beyond `limit` bytes.
    public func bodyBytes(limit: Int) async throws(HTTPRefusal) -> [UInt8] {
        do {
            let buffer = try await body.collect(upTo: limit)
            return Array(buffer.readableBytesView)
        } catch {
            throw HTTPRefusal(
                JSONResponse.error(.contentTooLarge, field: nil, reason: "request body is over the \(limit)-byte limit"))
        }
    }

    /// The `X-Correlation-ID` header, or a new id.
    public var correlationId: String {
        headers[HTTPField.Name("X-Correlation-ID")!] ?? UUID().uuidString.lowercased()
    }

    /// W3C trace context from the request, if the caller sent one.
    public var traceparent: String? { headers[HTTPField.Name("traceparent")!] }

    public var cause: Cause { Cause(eventId: nil, correlationId: correlationId, traceparent: traceparent) }
}

/// A request the API refuses, with the response to send.
public struct HTTPRefusal: Error {
    public let response: Response
    public init(_ response: Response) { self.response = response }
}

/// Decodes a JSON request body into `T`, naming the field that is wrong.
public func decodeJSON<T: Decodable>(_ type: T.Type, from bytes: [UInt8]) throws(HTTPRefusal) -> T {
    do {
        return try JSONDecoder().decode(T.self, from: Data(bytes))
    } catch {
        let rejection = EventRejection(decodingError: error, prefix: nil)
        throw HTTPRefusal(
            JSONResponse.error(.badRequest, field: rejection.field, reason: rejection.reason, code: "invalid-request"))
    }
}
