import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Marketing
import Testing
import TriadEvents
import TriadRuntime
import TriadStorage
import TriadWire

@testable import marketing_service

#if canImport(Glibc)
    import Glibc
#endif

/// What every service's HTTP surface does with hostile clients: the error shape of bodies that are
/// not JSON objects, the headers every response carries, and — over real sockets against the
/// server the services run (`ServiceHost.httpServer`) — slow clients and announced bodies.
@Suite struct HTTPHardeningTests {
    func marketing(_ environment: [String: String] = [:]) async throws -> RouterUnderTest {
        try await RouterUnderTest(
            .marketing, MarketingService.definition(briefing: BriefingPolicy()), environment: environment)
    }

    static let plan = """
        {"id": "c-a", "name": "Winter sale", "channel": "search", "segment": "young",
         "requestedBudget": {"amountMinor": 500000, "currency": "EUR"}, "startDate": "2026-11-01",
         "endDate": "2026-12-31", "targetRoiBps": 15000}
        """

    // MARK: Class 10 — a body that is not a JSON object

    @Test func aBodyThatIsNotAJSONObjectIsAnInvalidRequestNamingNoField() async throws {
        let service = try await marketing()
        try await service.test { client in
            let bodies = [
                ("", "an empty body"), ("  \n", "an empty body"), ("null", "null"), (" null ", "null"),
                ("[]", "an array"),
                ("[{}]", "an array"), ("3", "a number"), ("-1", "a number"), ("\"x\"", "a string"),
                ("true", "a boolean"),
                ("false", "a boolean"),
            ]
            for (body, kind) in bodies {
                let (status, text, _) = try await client.call(.post, "/campaigns", json: body)
                let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
                let error = try #require(object?["error"] as? [String: Any], "\(body.debugDescription): \(text)")
                #expect(status == .badRequest, "\(body.debugDescription)")
                #expect(error["code"] as? String == "invalid-request", "\(body.debugDescription): \(text)")
                #expect(error.keys.contains("field") == false, "\(body.debugDescription) names no field: \(text)")
                #expect(error["reason"] as? String == "the request body must be a JSON object, got \(kind)", "\(text)")
            }
            // A malformed object is the same code, still naming no field.
            let malformed = try await client.refusal(.post, "/campaigns", json: "{\"id\": ")
            #expect(malformed.status == .badRequest && malformed.code == "invalid-request" && malformed.field == nil)
            // The command routes read no body: one sent along changes nothing about the answer.
            for command in ["launch", "pause", "resume", "complete"] {
                let unknown = try await client.refusal(.post, "/campaigns/c-none/\(command)", json: "null")
                #expect(
                    unknown.status == .notFound && unknown.code == "not-found" && unknown.field == "id", "\(command)")
            }
            #expect(try await service.outboxRows() == 0)
        }
    }

    // MARK: Class 12 — headers on every response

    @Test func everyResponseCarriesTheSecurityHeadersAndThePageItsPolicy() async throws {
        let token = "a-token-of-twenty-chars"
        let service = try await marketing(["TRIAD_API_TOKEN": token])
        try await service.test { client in
            let page = try await client.call(.get, "/")
            #expect(page.status == .ok && page.headers[.contentType] == "text/html; charset=utf-8")
            #expect(
                page.headers[.contentSecurityPolicy]
                    == "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
            )
            // The page needs nothing the policy forbids: no script, nothing fetched, its style inline.
            for forbidden in ["<script", "<link", "<img", "<iframe", "<form", "src=", "href=", "url("] {
                #expect(!page.body.contains(forbidden), "the page holds \(forbidden)")
            }
            var answers = [page]
            answers.append(try await client.call(.get, "/briefing"))
            answers.append(try await client.call(.get, "/health/live"))
            answers.append(try await client.call(.get, "/metrics"))
            answers.append(try await client.call(.get, "/no/such/route"))
            answers.append(try await client.call(.post, "/campaigns", json: Self.plan))  // 401
            answers.append(
                try await client.call(.post, "/campaigns", json: "[]", headers: [.authorization: "Bearer \(token)"]))
            #expect(answers.map(\.status.code) == [200, 200, 200, 200, 404, 401, 400])
            for answer in answers {
                #expect(answer.headers[.xContentTypeOptions] == "nosniff", "\(answer.status)")
                #expect(answer.headers[HTTPField.Name("Referrer-Policy")!] == "no-referrer", "\(answer.status)")
                #expect(answer.headers[HTTPField.Name("X-Frame-Options")!] == "DENY", "\(answer.status)")
                #expect(
                    answer.headers[.contentSecurityPolicy] == SecurityHeaders.contentSecurityPolicy, "\(answer.status)")
            }
        }
    }

    // MARK: Class 9 — slow and lying clients, over real sockets

    /// Runs `body` with the port of marketing served by the services' own HTTP server.
    func serve(_ environment: [String: String], _ body: @escaping @Sendable (RouterUnderTest, Int) async throws -> Void)
        async throws
    {
        let service = try await marketing(environment)
        let codec = EventCodec(
            rules: ValidationRules(currency: service.config.currency), maxValueBytes: service.config.maxEventBytes)
        let context = RouteContext(
            publisher: EventPublisher(codec: codec, source: service.config.source), codec: codec,
            config: service.config,
            logger: RouterUnderTest.quiet, database: service.database, nudgeRelay: {})
        let router = ServiceHost.router(
            definition: service.definition, context: context, metrics: ServiceMetrics(),
            readiness: { Readiness(status: "ready", partitions: []) })
        let app = Application(
            router: router, server: ServiceHost.httpServer(service.config),
            configuration: .init(address: .hostname("127.0.0.1", port: 0)), logger: RouterUnderTest.quiet)
        try await app.test(.live) { client in
            try await body(service, try #require(client.port))
        }
    }

    @Test func aHalfSentRequestLineIsClosedWithinTheIdleTimeout() async throws {
        try await serve(["TRIAD_HTTP_IDLE_TIMEOUT_MS": "300", "TRIAD_HTTP_REQUEST_READ_TIMEOUT_MS": "60000"]) {
            _, port in
            let connection = try RawConnection(port: port)
            let start = ContinuousClock.now
            try await connection.send("POST /campa")
            let reply = try await connection.readUntilClosed(within: .seconds(10))
            let elapsed = ContinuousClock.now - start
            #expect(reply.closed, "the connection was still open after 10 s")
            // Closed by the 300 ms idle timeout, not the 60 s read timeout. The bound is loose: the
            // clock is read on the test's side, late when the suite's other tests keep the
            // cooperative threads busy.
            #expect(elapsed >= .milliseconds(250) && elapsed < .seconds(9), "closed after \(elapsed)")
            // A slow header block (a byte at a time, each within the timeout) gets no longer: the
            // server closes while it is still arriving, so the sends stop going through before its
            // last byte (counted in bytes, not seconds: a loaded machine's late wake-ups change the
            // timing, not that).
            let slow = try RawConnection(port: port)
            let header = "GET /health/live HTTP/1.1\r\nHost: x\r\n"
            var sent = 0
            for byte in header {
                do { try await slow.send(String(byte)) } catch { break }
                sent += 1
                try await Task.sleep(for: .milliseconds(50))
            }
            let slowReply = try await slow.readUntilClosed(within: .seconds(10))
            #expect(slowReply.closed)
            #expect(sent < header.utf8.count, "the server took the whole slow header block")
            #expect(!slowReply.text.contains("200"), "\(slowReply.text)")
        }
    }

    @Test func aBodyThatDoesNotArriveInTimeIsAnswered408AndNothingIsStored() async throws {
        try await serve(["TRIAD_HTTP_IDLE_TIMEOUT_MS": "60000", "TRIAD_HTTP_REQUEST_READ_TIMEOUT_MS": "400"]) {
            service, port in
            let connection = try RawConnection(port: port)
            let start = ContinuousClock.now
            let body = Array(Self.plan.utf8)
            try await connection.send("POST /campaigns HTTP/1.1\r\nHost: x\r\nContent-Length: \(body.count)\r\n\r\n")
            try await connection.send(bytes: Array(body.prefix(body.count - 1)))  // all but the closing brace
            let reply = try await connection.readUntilClosed(within: .seconds(10))
            #expect(reply.closed && ContinuousClock.now - start < .seconds(5))
            #expect(reply.text.hasPrefix("HTTP/1.1 408 Request Timeout\r\n"), "\(reply.text)")
            #expect(
                reply.text.contains("\"code\" : \"request-timeout\"")
                    && reply.text.lowercased().contains("x-content-type-options: nosniff"))
            #expect(try await service.outboxRows() == 0)
        }
    }

    @Test func anAnnouncedBodyOverTheLimitIsRefusedAtOnce() async throws {
        try await serve(["TRIAD_HTTP_IDLE_TIMEOUT_MS": "60000", "TRIAD_HTTP_REQUEST_READ_TIMEOUT_MS": "60000"]) {
            _, port in
            for expect in ["", "Expect: 100-continue\r\n"] {
                let connection = try RawConnection(port: port)
                let start = ContinuousClock.now
                try await connection.send(
                    "POST /campaigns HTTP/1.1\r\nHost: x\r\nContent-Length: 999999999999\r\n\(expect)\r\n")
                let reply = try await connection.readUntilClosed(within: .seconds(10))
                #expect(reply.closed && ContinuousClock.now - start < .seconds(5), "\(expect)")
                #expect(reply.text.hasPrefix("HTTP/1.1 413 Payload Too Large\r\n"), "\(reply.text)")
                #expect(!reply.text.contains("100 Continue"), "no 100 for a body that will be refused")
                #expect(reply.text.contains("\"code\" : \"payload-too-large\""), "\(reply.text)")
                #expect(reply.text.lowercased().contains("connection: close"))
            }
            // Announced within the limit but sent over it (chunked): the route refuses it once past the limit.
            let chunked = try RawConnection(port: port)
            let chunk = String(repeating: "x", count: 70_000)
            try await chunked.send(
                "POST /campaigns HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n\(String(chunk.utf8.count, radix: 16))\r\n\(chunk)\r\n0\r\n\r\n"
            )
            let refused = try await chunked.readResponse(within: .seconds(10))
            #expect(refused.hasPrefix("HTTP/1.1 413 "), "\(refused)")
        }
    }

    @Test func expectContinueGets100WithinTheLimitAndThenTheAnswer() async throws {
        try await serve(["TRIAD_HTTP_IDLE_TIMEOUT_MS": "60000", "TRIAD_HTTP_REQUEST_READ_TIMEOUT_MS": "60000"]) {
            service, port in
            let connection = try RawConnection(port: port)
            let body = Array(Self.plan.utf8)
            try await connection.send(
                "POST /campaigns HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: \(body.count)\r\nExpect: 100-continue\r\n\r\n"
            )
            let interim = try await connection.readResponse(within: .seconds(10))
            #expect(interim == "HTTP/1.1 100 Continue\r\n\r\n", "\(interim)")
            try await connection.send(bytes: body)
            let answer = try await connection.readResponse(within: .seconds(10))
            #expect(answer.hasPrefix("HTTP/1.1 201 Created\r\n"), "\(answer)")
            #expect(try await service.outboxRows() == 1)
            // The connection stays usable, and a refusal waits for the answers before it.
            try await connection.send(
                "GET /health/live HTTP/1.1\r\nHost: x\r\n\r\nPOST /campaigns HTTP/1.1\r\nHost: x\r\nContent-Length: 10000000\r\nExpect: 100-continue\r\n\r\n"
            )
            let both = try await connection.readUntilClosed(within: .seconds(10))
            #expect(both.closed)
            let live = both.text.range(of: "HTTP/1.1 200 OK\r\n")
            let tooLarge = both.text.range(of: "HTTP/1.1 413 ")
            #expect(live != nil && tooLarge != nil && live!.lowerBound < tooLarge!.lowerBound, "\(both.text)")
            #expect(!both.text.contains("100 Continue"))
        }
    }
}

/// A client socket written and read byte for byte, its blocking calls on a thread of their own.
final class RawConnection: Sendable {
    let descriptor: Int32

    init(port: Int) throws {
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else { throw POSIXError(.ECONNREFUSED) }
    }

    deinit { close(descriptor) }

    func send(_ text: String) async throws { try await send(bytes: Array(text.utf8)) }

    func send(bytes: [UInt8]) async throws {
        let descriptor = self.descriptor
        try await Self.onThread { () throws -> Void in
            var offset = 0
            while offset < bytes.count {
                let sent = bytes[offset...].withUnsafeBytes {
                    Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
                }
                guard sent > 0 else { throw POSIXError(.EPIPE) }
                offset += sent
            }
        }
    }

    /// Everything read until the server closes (or `within` passes).
    func readUntilClosed(within timeout: Duration) async throws -> (text: String, closed: Bool) {
        let (bytes, closed) = try await read(within: timeout) { _ in false }
        return (String(decoding: bytes, as: UTF8.self), closed)
    }

    /// One response: its head, and its body when it has a Content-Length.
    func readResponse(within timeout: Duration) async throws -> String {
        let (bytes, _) = try await read(within: timeout) { bytes in
            let text = String(decoding: bytes, as: UTF8.self)
            guard let end = text.range(of: "\r\n\r\n") else { return false }
            let head = text[..<end.lowerBound].lowercased()
            guard let line = head.split(separator: "\r\n").first(where: { $0.hasPrefix("content-length:") }),
                let length = Int(line.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces))
            else { return true }
            return text[end.upperBound...].utf8.count >= length
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Reads byte by byte until `complete` says so, the peer closes, or the time is up.
    private func read(within timeout: Duration, until complete: @escaping @Sendable ([UInt8]) -> Bool) async throws
        -> ([UInt8], Bool)
    {
        let descriptor = self.descriptor
        return try await Self.onThread {
            let deadline = ContinuousClock.now + timeout
            var bytes: [UInt8] = []
            while ContinuousClock.now < deadline {
                var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
                let left = deadline - ContinuousClock.now
                guard
                    poll(
                        &poller, 1,
                        Int32(
                            max(1, left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000)
                        )) > 0
                else { continue }
                var byte: UInt8 = 0
                let got = recv(descriptor, &byte, 1, 0)
                if got <= 0 { return (bytes, true) }  // closed (or reset)
                bytes.append(byte)
                if complete(bytes) { return (bytes, false) }
            }
            return (bytes, false)
        }
    }

    private static func onThread<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try work() }) }.start()
        }
    }
}
