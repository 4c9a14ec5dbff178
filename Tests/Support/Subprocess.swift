import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Runs a command to its end with `posix_spawn` and `waitpid` on its own process id, and returns its
/// exit status (128 + the signal when a signal ended it) and everything it printed on standard output
/// and standard error (standard output only with `discardingStandardError`). Foundation's `Process.waitUntilExit` can miss a child's exit when processes are
/// started from several threads at once, as parallel tests do, and then waits forever.
public func runToEnd(
    _ executable: URL, _ arguments: [String], environment: [String: String] = [:], currentDirectory: URL? = nil,
    discardingStandardError: Bool = false
) throws -> (status: Int32, output: String) {
    var program = executable.path
    var argv = [program] + arguments
    if let currentDirectory {
        argv = ["/bin/sh", "-c", #"cd "$0" && exec "$@""#, currentDirectory.path] + argv
        program = "/bin/sh"
    }
    var fds: [Int32] = [0, 0]
    // Neither end may leak into children other tests start meanwhile (a reader would wait for them):
    // no spawn runs between pipe() and marking both ends close-on-exec.
    let piped = spawning.withLock { _ in
        guard pipe(&fds) == 0 else { return false }
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        return true
    }
    guard piped else { throw SpawnFailed(command: program, errno: errno) }
    let pid: pid_t
    do {
        pid = try spawn(
            program, argv, environment: environment, output: fds[1], errors: discardingStandardError ? nil : fds[1])
    } catch {
        close(fds[0])
        close(fds[1])
        throw error
    }
    close(fds[1])
    let output = FileHandle(fileDescriptor: fds[0], closeOnDealloc: true).readDataToEndOfFile()
    return (try waitForExit(pid, program), String(decoding: output, as: UTF8.self))
}

/// Starts `argv` (`argv[0]` is the program's path) with the test's environment plus `environment`,
/// standard input from /dev/null, standard output to `output` and standard error to `errors`
/// (/dev/null when nil), and every signal at its default, unblocked.
func spawn(_ program: String, _ argv: [String], environment: [String: String], output: Int32, errors: Int32?) throws
    -> pid_t
{
    let merged = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    posix_spawn_file_actions_adddup2(&actions, output, 1)
    if let errors {
        posix_spawn_file_actions_adddup2(&actions, errors, 2)
    } else {
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
    }

    // Signals the test process blocks or handles must not carry over to the child.
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    var none = sigset_t()
    sigemptyset(&none)
    posix_spawnattr_setsigmask(&attributes, &none)
    var defaults = sigset_t()
    sigemptyset(&defaults)
    for signal in [SIGTERM, SIGINT, SIGHUP, SIGPIPE, SIGQUIT, SIGCHLD] { sigaddset(&defaults, signal) }
    posix_spawnattr_setsigdefault(&attributes, &defaults)
    posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

    let cArguments = argv.map { strdup($0) } + [nil]
    let cEnvironment = merged.map { strdup("\($0.key)=\($0.value)") } + [nil]
    defer {
        cArguments.forEach { free($0) }
        cEnvironment.forEach { free($0) }
    }
    var pid: pid_t = 0
    let spawned = spawning.withLock { _ in posix_spawn(&pid, program, &actions, &attributes, cArguments, cEnvironment) }
    guard spawned == 0 else { throw SpawnFailed(command: program, errno: spawned) }
    return pid
}

/// Held while a pipe is made close-on-exec and while a child is spawned.
private let spawning = Mutex<Void>(())

/// Waits for the child to end; its exit status, or 128 + the signal that ended it.
func waitForExit(_ pid: pid_t, _ program: String) throws -> Int32 {
    var status: Int32 = 0
    while waitpid(pid, &status, 0) == -1 {
        guard errno == EINTR else { throw SpawnFailed(command: program, errno: errno) }
    }
    return exitStatus(status)
}

/// `waitpid`'s status word as an exit status (128 + the signal when a signal ended the process).
func exitStatus(_ status: Int32) -> Int32 {
    let signal = status & 0x7F
    return signal == 0 ? (status >> 8) & 0xFF : 128 + signal
}

public struct SpawnFailed: Error, CustomStringConvertible {
    public let command: String
    public let errno: Int32
    public var description: String { "could not run \(command): \(String(cString: strerror(errno)))" }
}
