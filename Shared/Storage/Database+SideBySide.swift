/// Reads that need not wait for one another.
extension Database {
    /// The three bodies' results. On PostgreSQL, where every statement is a round trip and a read's
    /// statements see their own snapshots anyway, they run side by side, each on a connection of its
    /// own, so a view made of many tables waits for its slowest part rather than for the sum; on
    /// SQLite, one read runs them in turn over one snapshot (its statements make no round trips).
    public func read<A: Sendable, B: Sendable, C: Sendable>(
        _ a: @escaping @Sendable (any SQLSession) throws -> A, _ b: @escaping @Sendable (any SQLSession) throws -> B,
        _ c: @escaping @Sendable (any SQLSession) throws -> C
    ) async throws -> (A, B, C) {
        guard dialect == .postgres else { return try await read { (try a($0), try b($0), try c($0)) } }
        async let first = read(a)
        async let second = read(b)
        async let third = read(c)
        return try await (first, second, third)
    }
}
