import CRdKafka
import Foundation
import Synchronization

/// Owns one `rd_kafka_t`. librdkafka handles are thread-safe; this wrapper only makes that visible to Swift.
final class KafkaHandle: @unchecked Sendable {
    let pointer: OpaquePointer
    /// What the C callbacks reach through the opaque pointer; kept alive as long as the handle.
    private let context: (any Sendable & AnyObject)?

    /// Creates a client of `type` from `conf` (which librdkafka takes over on success).
    init(type: rd_kafka_type_t, conf: OpaquePointer, context: (any Sendable & AnyObject)? = nil) throws(KafkaError) {
        do {
            try LibrdkafkaVersion.loaded.requireSupported()
        } catch {
            rd_kafka_conf_destroy(conf)
            throw error
        }
        self.context = context
        var errorText = [CChar](repeating: 0, count: 512)
        guard let handle = rd_kafka_new(type, conf, &errorText, errorText.count) else {
            rd_kafka_conf_destroy(conf)
            throw KafkaError(
                .clientCreation,
                errorText.nulTerminatedString)
        }
        pointer = handle
    }

    /// `rd_kafka_destroy` blocks (it may commit and leave a group), so it runs on a thread of its own.
    deinit {
        let doomed = DoomedHandle(pointer: pointer, context: context)
        BlockingThread.start(name: "triad-kafka-destroy") {
            rd_kafka_destroy(doomed.pointer)
            withExtendedLifetime(doomed.context) {}
        }
    }
}

/// A handle on its way to `rd_kafka_destroy`, handed to the thread that destroys it.
private struct DoomedHandle: @unchecked Sendable {
    let pointer: OpaquePointer
    let context: (any Sendable & AnyObject)?
}

/// Runs blocking librdkafka work on a thread of its own, never on Swift's cooperative pool.
enum BlockingThread {
    static func run<T: Sendable>(name: String, _ work: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            let thread = Thread {
                continuation.resume(returning: work())
            }
            thread.name = name
            thread.start()
        }
    }

    static func start(name: String, _ work: @escaping @Sendable () -> Void) {
        let thread = Thread(block: work)
        thread.name = name
        thread.start()
    }
}

/// A one-shot signal that a thread fires and async code awaits, optionally with a deadline.
final class CompletionSignal: Sendable {
    private struct State {
        var fired = false
        var nextWaiter = 0
        var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
    }

    private let state = Mutex(State())

    func fire() {
        let waiters = state.withLock { state in
            state.fired = true
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume() }
    }

    var hasFired: Bool { state.withLock { $0.fired } }

    /// Returns when fired, or early when the task is cancelled.
    func wait() async {
        let id = state.withLock { state in
            state.nextWaiter += 1
            return state.nextWaiter
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state in
                    if state.fired || Task.isCancelled { return true }
                    state.waiters[id] = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { $0.waiters.removeValue(forKey: id) }
            waiter?.resume()
        }
    }

    /// Returns when fired, even if the task is cancelled meanwhile (for waits that must not be cut short).
    func waitIgnoringCancellation() async {
        await Task { await self.wait() }.value
    }

    /// Returns false when the deadline passed before the signal fired.
    func wait(timeout: Duration) async -> Bool {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.wait() }
            group.addTask { try? await Task.sleep(for: timeout) }
            await group.next()
            group.cancelAll()
            await group.waitForAll()
        }
        return hasFired
    }
}

extension [CChar] {
    /// The text of a C error buffer, up to its first NUL.
    var nulTerminatedString: String {
        String(decoding: prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
