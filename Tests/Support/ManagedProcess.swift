import Foundation

/// A child process a test starts and always stops: output goes to a log file the test can show.
public final class ManagedProcess: @unchecked Sendable {
    public let name: String
    public let log: URL
    private let process = Process()

    public init(name: String, executable: URL, arguments: [String] = [], environment: [String: String] = [:], logDirectory: URL) throws {
        self.name = name
        // A restarted process gets a new log (name.log, name-2.log, …), so earlier runs stay readable.
        var log = logDirectory.appendingPathComponent("\(name).log")
        var run = 1
        while FileManager.default.fileExists(atPath: log.path) {
            run += 1
            log = logDirectory.appendingPathComponent("\(name)-\(run).log")
        }
        self.log = log
        guard FileManager.default.createFile(atPath: log.path, contents: nil) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: log.path])
        }
        let handle = try FileHandle(forWritingTo: log)
        process.executableURL = executable
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
    }

    public var isRunning: Bool { process.isRunning }
    public var pid: Int32 { process.processIdentifier }

    public func signal(_ signal: Int32) { kill(process.processIdentifier, signal) }

    /// SIGTERM, then SIGKILL if it has not exited within `grace`; returns the exit status.
    @discardableResult
    public func stop(grace: Duration = .seconds(15)) async -> Int32 {
        if process.isRunning {
            signal(SIGTERM)
            let stopped = try? await eventually("\(name) to exit", timeout: grace, every: .milliseconds(50)) {
                process.isRunning ? nil : true
            }
            if stopped == nil {
                signal(SIGKILL)
                process.waitUntilExit()
            }
        }
        process.waitUntilExit()
        return process.terminationStatus
    }

    public var output: String { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }

    deinit {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
        }
    }
}

