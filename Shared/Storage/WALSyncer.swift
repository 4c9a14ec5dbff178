import Dispatch
import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Makes SQLite's commits durable off the writer's thread. The database commits with
/// `synchronous = NORMAL`, so a commit only writes its frames to the write-ahead log; `sync()`
/// then flushes the log file to disk (`fdatasync`) on a queue of its own, while the writer goes on
/// with the next transaction. One flush covers every commit before it, so callers that wait
/// together share it. SQLite itself still syncs the log before each checkpoint, so the database
/// file never holds what the log has not made durable.
final class WALSyncer: Sendable {
    private let logPath: String
    private let directory: String
    private let queue = DispatchQueue(label: "triad-wal-sync")
    private let state = Mutex<State>(State())

    private struct State {
        /// Commits counted so far, and how many of them the last flush covered.
        var commits: UInt64 = 0
        var synced: UInt64 = 0
        /// The log file open for flushing, and its identity (SQLite may make a new file).
        var descriptor: Int32 = -1
        var device: UInt64 = 0
        var inode: UInt64 = 0
        var closed = false
    }

    init(databasePath: String) {
        logPath = databasePath + "-wal"
        directory = URL(fileURLWithPath: databasePath).deletingLastPathComponent().path
    }

    /// Counts a commit that wrote to the log (called once it returned).
    func committed() {
        state.withLock { $0.commits += 1 }
    }

    /// Commits counted and not yet covered by a flush.
    var unsynced: UInt64 { state.withLock { $0.commits - $0.synced } }

    /// Returns once every commit counted before the call is on disk.
    func sync() async throws {
        let (target, covered) = state.withLock { ($0.commits, $0.synced >= $0.commits) }
        guard !covered else { return }
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            queue.async {
                continuation.resume(with: Result { try self.flush(covering: target) })
            }
        }
    }

    /// On the queue: flushes the log unless a flush since `target` was counted already covered it.
    private func flush(covering target: UInt64) throws {
        let (descriptor, commits) = try state.withLock { state -> (Int32, UInt64) in
            guard state.synced < target else { return (-1, state.synced) }
            guard !state.closed else {
                throw StorageError("the database is closed before its last commits were synced")
            }
            return (try Self.open(logPath, directory: directory, into: &state), state.commits)
        }
        guard descriptor >= 0 else { return }
        guard fdatasync(descriptor) == 0 else {
            throw StorageError("could not sync the write-ahead log \(logPath): \(String(cString: strerror(errno)))")
        }
        state.withLock { $0.synced = max($0.synced, commits) }
    }

    /// The open log file, opened again when SQLite replaced it; a newly opened file's directory
    /// entry is flushed too, so the file itself survives a crash.
    private static func open(_ path: String, directory: String, into state: inout State) throws -> Int32 {
        var current = stat()
        guard stat(path, &current) == 0 else {
            throw StorageError("cannot find the write-ahead log \(path) to sync: \(String(cString: strerror(errno)))")
        }
        if state.descriptor >= 0, state.device == UInt64(current.st_dev), state.inode == UInt64(current.st_ino) {
            return state.descriptor
        }
        if state.descriptor >= 0 { Glibc.close(state.descriptor) }
        state.descriptor = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard state.descriptor >= 0 else {
            throw StorageError("cannot open the write-ahead log \(path) to sync: \(String(cString: strerror(errno)))")
        }
        state.device = UInt64(current.st_dev)
        state.inode = UInt64(current.st_ino)
        let folder = Glibc.open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if folder >= 0 {
            defer { Glibc.close(folder) }
            guard fsync(folder) == 0 else {
                throw StorageError("could not sync the folder \(directory): \(String(cString: strerror(errno)))")
            }
        }
        return state.descriptor
    }

    /// Flushes what is still owed, then closes the file; later syncs fail.
    func close() {
        queue.sync {
            state.withLock { state in
                if state.descriptor >= 0, state.synced < state.commits { _ = fdatasync(state.descriptor) }
                if state.descriptor >= 0 { Glibc.close(state.descriptor) }
                state.descriptor = -1
                state.closed = true
            }
        }
    }
}
