import Dispatch
import GRDBSQLite
import Synchronization

/// Copies the write-ahead log back into the database file on its own connection and thread, so a
/// commit only appends to the log and the copying runs beside the next batch, instead of inside a
/// commit as SQLite's automatic checkpoint does.
///
/// It replaces the automatic checkpoint through SQLite's WAL hook, called after every commit with
/// the log's length in frames (a page each): from `backgroundBytes` of log on, a passive checkpoint
/// (it never blocks the writer or readers) starts on the checkpointer's connection unless one is
/// running. Such a checkpoint, running while the writer appends, never copies back every frame, and
/// the log only starts over once it has (and no reader is on it). So from `inlineBytes` on, the
/// committing connection waits for a running background checkpoint and checkpoints itself, between
/// its transactions, as SQLite's automatic checkpoint would: what is left is copied back, and the
/// next write starts the log over. (Without the wait, that checkpoint found the background one
/// holding the checkpoint lock and did nothing: the log grew to gigabytes under a full-speed stream.)
final class WALCheckpointer: Sendable {
    let path: String
    let backgroundBytes: Int
    let inlineBytes: Int
    /// The database's page size: a log frame holds one page.
    private let pageSize = Atomic<Int>(4_096)
    private let queue = DispatchQueue(label: "triad-wal-checkpoint", qos: .utility)
    private let state = Mutex<State>(State())

    private struct State {
        var connection: OpaquePointer?
        var running = false
        var closed = false
    }

    init(path: String, backgroundBytes: Int = 4 << 20, inlineBytes: Int = 32 << 20) {
        self.path = path
        self.backgroundBytes = backgroundBytes
        self.inlineBytes = inlineBytes
    }

    /// Installs the hook on a writing connection (this object must outlive it: see `close`).
    func install(on connection: OpaquePointer, pageSize: Int) {
        self.pageSize.store(max(pageSize, 512), ordering: .relaxed)
        sqlite3_wal_hook(
            connection,
            { context, connection, _, frames in
                guard let context, let connection else { return SQLITE_OK }
                Unmanaged<WALCheckpointer>.fromOpaque(context).takeUnretainedValue().committed(
                    frames: frames, on: connection)
                return SQLITE_OK
            }, Unmanaged.passUnretained(self).toOpaque())
    }

    private func committed(frames: Int32, on writer: OpaquePointer) {
        let bytes = Int(frames) * pageSize.load(ordering: .relaxed)
        if bytes >= inlineBytes {
            // SQLite does not wait for another connection's checkpoint: it answers busy at once.
            queue.sync {}
            sqlite3_wal_checkpoint_v2(writer, nil, SQLITE_CHECKPOINT_PASSIVE, nil, nil)
            return
        }
        guard bytes >= backgroundBytes else { return }
        let start = state.withLock { state -> Bool in
            guard !state.running, !state.closed else { return false }
            state.running = true
            return true
        }
        if start { queue.async { self.checkpoint() } }
    }

    private func checkpoint() {
        defer { state.withLock { $0.running = false } }
        // Busy (a closing connection) or failed: the next commit tries again, and the inline
        // checkpoint bounds the log meanwhile.
        guard let connection = connection() else { return }
        sqlite3_wal_checkpoint_v2(connection, nil, SQLITE_CHECKPOINT_PASSIVE, nil, nil)
    }

    private func connection() -> OpaquePointer? {
        state.withLock { state in
            if state.connection == nil && !state.closed {
                var connection: OpaquePointer?
                if sqlite3_open_v2(path, &connection, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nil) == SQLITE_OK {
                    state.connection = connection
                } else {
                    sqlite3_close_v2(connection)
                }
            }
            return state.connection
        }
    }

    /// Waits for a running checkpoint and closes the checkpointer's connection.
    func close() {
        state.withLock { $0.closed = true }
        queue.sync {}
        state.withLock { state in
            if let connection = state.connection { sqlite3_close_v2(connection) }
            state.connection = nil
        }
    }
}
