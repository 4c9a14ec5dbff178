import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A child process a test starts and always stops: output goes to a log file the test can show.
/// Started with `posix_spawn` and reaped with `waitpid` on its own id (see `runToEnd`).
public final class ManagedProcess: Sendable {
    public let name: String
    public let log: URL
    public let pid: Int32
    /// The exit status once the process has been reaped.
    private let exit = Mutex<Int32?>(nil)

    public init(
        name: String, executable: URL, arguments: [String] = [], environment: [String: String] = [:], logDirectory: URL
    ) throws {
        self.name = name
        // A restarted process gets a new log (name.log, name-2.log, …), so earlier runs stay readable.
        var log = logDirectory.appendingPathComponent("\(name).log")
        var run = 1
        while FileManager.default.fileExists(atPath: log.path) {
            run += 1
            log = logDirectory.appendingPathComponent("\(name)-\(run).log")
        }
        self.log = log
        let fd = open(log.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: log.path]) }
        defer { close(fd) }
        pid = try spawn(
            executable.path, [executable.path] + arguments, environment: environment, output: fd, errors: fd)
    }

    public var isRunning: Bool {
        exit.withLock { status in
            guard status == nil else { return false }
            var raw: Int32 = 0
            guard waitpid(pid, &raw, WNOHANG) == pid else { return true }
            status = exitStatus(raw)
            return false
        }
    }

    public func signal(_ signal: Int32) {
        if isRunning { kill(pid, signal) }
    }

    /// SIGTERM, then SIGKILL if it has not exited within `grace`; returns the exit status.
    @discardableResult
    public func stop(grace: Duration = .seconds(15)) async -> Int32 {
        if isRunning {
            signal(SIGTERM)
            let stopped = try? await eventually("\(name) to exit", timeout: grace, every: .milliseconds(50)) {
                isRunning ? nil : true
            }
            if stopped == nil { signal(SIGKILL) }
        }
        return exit.withLock { status in
            if let status { return status }
            let reaped = (try? waitForExit(pid, name)) ?? -1
            status = reaped
            return reaped
        }
    }

    public var output: String { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }

    deinit {
        if isRunning {
            kill(pid, SIGKILL)
            _ = try? waitForExit(pid, name)
        }
    }
}
