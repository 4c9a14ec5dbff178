import Synchronization

/// A service's in-process state, shared by its consumer and its HTTP handlers under one lock.
/// Domain calls are synchronous and short, so a lock serves better than an actor hop.
public final class StateBox<State: Sendable>: Sendable {
    private let mutex: Mutex<State>

    public init(_ state: State) { mutex = Mutex(state) }

    public func withLock<R: Sendable, E: Error>(_ body: (inout State) throws(E) -> R) throws(E) -> R {
        try mutex.withLock { (state: inout State) throws(E) -> R in try body(&state) }
    }

    public var snapshot: State { mutex.withLock { $0 } }
}
