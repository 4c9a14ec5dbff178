import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import NIOCore
import NIOHTTPTypes

extension ServiceHost {
    /// The HTTP/1.1 server every service runs: Hummingbird's, with an idle timeout (a connection on
    /// which no part of a request arrives for `TRIAD_HTTP_IDLE_TIMEOUT_MS` is closed, so a request
    /// line or header block left unfinished does not hold it) and `HTTPConnectionGuard` on every
    /// connection.
    public static func httpServer(_ config: RuntimeConfig) -> HTTPServerBuilder {
        let maxBodyBytes = config.maxRequestBytes
        let readTimeout = TimeAmount.milliseconds(config.httpRequestReadTimeoutMilliseconds)
        return .http1(
            configuration: .init(
                additionalChannelHandlers: [HTTPConnectionGuard(maxBodyBytes: maxBodyBytes, readTimeout: readTimeout)],
                idleTimeout: .milliseconds(config.httpIdleTimeoutMilliseconds)))
    }
}

/// Headers every response carries: nothing a service sends is to be sniffed into another type,
/// framed, or allowed to load anything (marketing's page has its style inline and no script).
public enum SecurityHeaders {
    public static let contentSecurityPolicy =
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

    public static let fields: HTTPFields = [
        .contentSecurityPolicy: contentSecurityPolicy, .xContentTypeOptions: "nosniff",
        HTTPField.Name("Referrer-Policy")!: "no-referrer", HTTPField.Name("X-Frame-Options")!: "DENY",
    ]

    /// Adds the headers a response does not set itself.
    static func add(to fields: inout HTTPFields) {
        for field in Self.fields where fields[field.name] == nil { fields.append(field) }
    }
}

/// Sets `SecurityHeaders` on every response of the router, a thrown `HTTPResponseError`'s too (it
/// answers here, outermost, rather than in Hummingbird's router past every middleware).
struct SecurityHeadersMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as any HTTPResponseError {
            response = try error.response(from: request, context: context)
        }
        SecurityHeaders.add(to: &response.headers)
        return response
    }
}

/// Guards one HTTP/1.1 connection against clients that announce more than they may send or send
/// too slowly. It sits after HTTP decoding and before Hummingbird's handler:
/// - a request whose `Content-Length` is over the body limit is answered 413 at once, before any of
///   its body is read, and the connection is closed (its body is not wanted);
/// - `Expect: 100-continue` is answered `100 Continue` when the announced body is within the limit
///   (or not announced: the route then refuses past the limit) and 413 at once when it is over;
/// - a request whose body has not fully arrived `readTimeout` after its head is answered 408 (when
///   no answer has started) and the connection is closed; the route reading it sees an error, never a
///   cut-off body;
/// - body bytes past the limit are not passed on (the route has refused the request by then).
/// Requests are answered in order: a refusal or a `100 Continue` waits for the answers before it.
final class HTTPConnectionGuard: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    /// The error the route reading a body sees when the body did not arrive in time.
    struct RequestReadTimeout: Error {}

    struct Refusal {
        let status: HTTPResponse.Status
        let reason: String
    }

    let maxBodyBytes: Int
    let readTimeout: TimeAmount

    /// For each request passed on and not yet answered in full, oldest first: whether it still
    /// waits for `100 Continue`.
    private var unanswered: [Bool] = []
    /// Whether the answer to the oldest unanswered request has begun.
    private var answerStarted = false
    /// Body bytes of the request being read, while one is.
    private var bodyBytes: Int?
    private var readDeadline: Scheduled<Void>?
    /// A refusal waiting for the answers before it.
    private var pendingRefusal: Refusal?
    /// Once refusing, input is dropped until the connection closes.
    private var refusing = false
    /// Once this handler has answered, nothing more is written on the connection.
    private var answeredHere = false

    init(maxBodyBytes: Int, readTimeout: TimeAmount) {
        self.maxBodyBytes = maxBodyBytes
        self.readTimeout = readTimeout
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !refusing else { return }
        switch unwrapInboundIn(data) {
        case .head(let head):
            if let refusal = refusal(of: head) {
                refusing = true
                if unanswered.isEmpty { refuse(refusal, context: context) } else { pendingRefusal = refusal }
                return
            }
            unanswered.append(head.headerFields[.expect]?.lowercased() == "100-continue")
            bodyBytes = 0
            readDeadline = context.eventLoop.assumeIsolatedUnsafeUnchecked().scheduleTask(in: readTimeout) { [self] in
                readDeadlinePassed(context: context)
            }
            context.fireChannelRead(data)
            if unanswered.count == 1 { continueIfAwaited(context: context) }
        case .body(let buffer):
            let before = bodyBytes ?? 0
            bodyBytes = before + buffer.readableBytes
            // Past the limit the route has refused the request: the rest is read and dropped.
            if before <= maxBodyBytes { context.fireChannelRead(data) }
        case .end:
            readDeadline?.cancel()
            readDeadline = nil
            bodyBytes = nil
            context.fireChannelRead(data)
        }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        guard !answeredHere else {
            promise?.fail(ChannelError.outputClosed)
            return
        }
        switch unwrapOutboundIn(data) {
        case .head(let head):
            if head.status.kind != .informational { answerStarted = true }
            context.write(data, promise: promise)
        case .body:
            context.write(data, promise: promise)
        case .end:
            context.write(data, promise: promise)
            answerStarted = false
            if !unanswered.isEmpty { unanswered.removeFirst() }
            if unanswered.isEmpty, let refusal = pendingRefusal {
                pendingRefusal = nil
                context.flush()
                refuse(refusal, context: context)
            } else {
                continueIfAwaited(context: context)
            }
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        readDeadline?.cancel()
        readDeadline = nil
    }

    func channelInactive(context: ChannelHandlerContext) {
        readDeadline?.cancel()
        readDeadline = nil
        context.fireChannelInactive()
    }

    /// 413 for a body announced over the limit, whether or not the client waits for `100 Continue`.
    private func refusal(of head: HTTPRequest) -> Refusal? {
        guard let announced = head.headerFields[.contentLength], let length = UInt64(announced),
            length > UInt64(maxBodyBytes)
        else { return nil }
        return Refusal(
            status: .contentTooLarge,
            reason: "the request body (\(length) bytes announced) is over the \(maxBodyBytes)-byte limit")
    }

    /// `100 Continue` for the oldest unanswered request, if it waits for one.
    private func continueIfAwaited(context: ChannelHandlerContext) {
        guard unanswered.first == true else { return }
        unanswered[0] = false
        context.writeAndFlush(wrapOutboundOut(.head(HTTPResponse(status: .continue))), promise: nil)
    }

    private func readDeadlinePassed(context: ChannelHandlerContext) {
        readDeadline = nil
        guard context.channel.isActive else { return }
        refusing = true
        // The route reading the body fails instead of reading on (or taking a cut-off body).
        context.fireErrorCaught(RequestReadTimeout())
        let reason = "the request was not received in full within \(readTimeout.nanoseconds / 1_000_000) ms"
        if unanswered.count == 1, !answerStarted {
            refuse(Refusal(status: .requestTimeout, reason: reason), context: context)
        } else {
            answeredHere = true
            context.close(promise: nil)
        }
    }

    /// Answers `refusal` with the shared error shape, closes the output, drops whatever else comes
    /// in, and closes the connection a moment later (an immediate close would reset the connection
    /// and could lose the answer while the client is still sending).
    private func refuse(_ refusal: Refusal, context: ChannelHandlerContext) {
        let body = Self.errorBody(refusal)
        var head = HTTPResponse(status: refusal.status)
        head.headerFields = [
            .contentType: "application/json", .contentLength: String(body.readableBytes), .connection: "close",
        ]
        SecurityHeaders.add(to: &head.headerFields)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(body)), promise: nil)
        answeredHere = true
        let channel = context.channel
        let linger = min(readTimeout, .seconds(2))
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in
            channel.close(mode: .output, promise: nil)
            channel.eventLoop.scheduleTask(in: linger) { channel.close(promise: nil) }
        }
    }

    static func errorBody(_ refusal: Refusal) -> ByteBuffer {
        let error = JSONResponse.ErrorBody(
            error: .init(code: JSONResponse.code(for: refusal.status), field: nil, reason: refusal.reason))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return ByteBuffer(bytes: (try? encoder.encode(error)) ?? Data())
    }
}
