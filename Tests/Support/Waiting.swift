import Foundation
import Synchronization

/// Raised when a condition did not hold before its deadline.
public struct TimedOut: Error, CustomStringConvertible {
    public let what: String
    public var description: String { "timed out waiting for \(what)" }
}

/// Polls `condition` until it returns a value or the deadline passes.
public func eventually<T>(
    _ what: String, timeout: Duration = .seconds(30), every interval: Duration = .milliseconds(100),
    _ condition: () async throws -> T?
) async throws -> T {
    let deadline = ContinuousClock.now + timeout
    while true {
        if let value = try await condition() { return value }
        guard ContinuousClock.now < deadline else { throw TimedOut(what: what) }
        try await Task.sleep(for: interval)
    }
}

/// Ports handed out in this test process, never handed out twice.
private let handedOut = Mutex<Set<Int>>([])

/// A TCP port free on 127.0.0.1 a moment ago, never given to another test of this process, and
/// below Linux's ephemeral range (32768+), so no outgoing connection takes it before its server binds.
public func freePort() -> Int {
    while true {
        let candidate = Int.random(in: 20_000..<32_000)
        guard handedOut.withLock({ !$0.contains(candidate) }), canBind(candidate) else { continue }
        if handedOut.withLock({ $0.insert(candidate).inserted }) { return candidate }
    }
}

private func canBind(_ port: Int) -> Bool {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    let result = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    return result == 0
}
