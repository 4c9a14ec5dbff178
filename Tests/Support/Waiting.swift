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

/// Whether a server process exited because another process bound its port first, between
/// `freePort()`'s check and its own bind (Swift NIO and Python say "Address already in use", Rust
/// "AddrInUse").
public func lostItsPort(_ process: ManagedProcess) -> Bool {
    guard !process.isRunning else { return false }
    let output = process.output
    return output.contains("Address already in use") || output.contains("AddrInUse")
}

/// Starts a server on a port from `freePort()` and waits until `answers(port)`. One that lost its port
/// to another process is started again on another port (three tries); any other exit throws
/// `exited(log)`.
public func startOnFreePort(
    _ what: String, timeout: Duration = .seconds(90), launch: (Int) throws -> ManagedProcess,
    answers: (Int) async -> Bool, exited: (String) -> any Error
) async throws -> (process: ManagedProcess, port: Int) {
    for _ in 0..<3 {
        let port = freePort()
        let process = try launch(port)
        let listening = try await eventually("\(what) to answer on port \(port)", timeout: timeout) { () -> Bool? in
            if lostItsPort(process) { return false }
            guard process.isRunning else { throw exited(process.output) }
            return await answers(port) ? true : nil
        }
        if listening { return (process, port) }
    }
    throw exited("\(what) lost its port to another process three times")
}
