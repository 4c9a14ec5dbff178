import Foundation
import Logging
import NIOCore
import PostgresNIO

/// One transaction's statements on a leased connection. Runs on a thread of the database's own,
/// which waits for each reply; a reply that never comes fails the statement with
/// `DatabaseUnavailable` once `replyTimeout` passed or the connection closed.
struct PostgresSession: SQLSession {
    let connection: PostgresConnection
    let location: String
    let logger: Logger
    var dialect: SQLDialect { .postgres }

    /// A statement of the stores', `?` placeholders bound to `arguments` in order.
    @discardableResult
    func query(_ sql: String, _ arguments: [SQLValue]) throws -> [SQLRow] {
        try execute(PostgresQuery(unsafeSQL: Self.numberedPlaceholders(sql), binds: Self.bindings(arguments)))
    }

    /// A statement whose text is fixed, its values bound by interpolation.
    @discardableResult
    func execute(_ query: PostgresQuery) throws -> [SQLRow] {
        let result: PostgresQueryResult
        do {
            result = try Self.waitForReply(
                connection.query(query, logger: logger), timeout: PostgresDatabase.Settings.replyTimeout,
                while: { !connection.isClosed }, doing: "waiting for a statement's reply", location: location)
        } catch let error as PSQLError where error.serverInfo?[.sqlState] == "23505" {
            let constraint = error.serverInfo?[.constraintName] ?? "unknown"
            throw UniqueViolation("\(error.serverInfo?[.message] ?? "duplicate key") (constraint \(constraint))")
        } catch let error as PSQLError {
            throw Self.unavailability(error, location: location) ?? error
        }
        return try result.rows.map { row in
            try row.makeRandomAccess().map { cell -> SQLValue in
                guard cell.bytes != nil else { return .null }
                switch cell.dataType {
                case .int2, .int4, .int8: return .integer(try cell.decode(Int64.self))
                case .bytea: return .blob(Array(try cell.decode(ByteBuffer.self).readableBytesView))
                case .bool: return .integer(try cell.decode(Bool.self) ? 1 : 0)
                default: return .text(try cell.decode(String.self))
                }
            }
        }
    }

    /// `?` → `$1`, `$2`, … (outside quoted strings): the stores write one statement for both stores.
    static func numberedPlaceholders(_ sql: String) -> String {
        var result = ""
        var index = 0
        var quoted = false
        for character in sql {
            if character == "'" { quoted.toggle() }
            if character == "?" && !quoted {
                index += 1
                result += "$\(index)"
            } else {
                result.append(character)
            }
        }
        return result
    }

    static func bindings(_ arguments: [SQLValue]) -> PostgresBindings {
        var bindings = PostgresBindings(capacity: arguments.count)
        for argument in arguments {
            switch argument {
            case .null: bindings.appendNull()
            case .integer(let value): bindings.append(value)
            case .text(let value): bindings.append(value)
            case .blob(let bytes): bindings.append(ByteBuffer(bytes: bytes))
            case .texts(let values): bindings.append(values)
            case .integers(let values): bindings.append(values)
            case .blobs(let values): bindings.append(values.map { ByteBuffer(bytes: $0) })
            case .booleans(let values): bindings.append(values)
            }
        }
        return bindings
    }

    /// What a failed statement means when the database, not the statement, is the problem: the
    /// connection gone (the server restarted or shut down, the network failed), the server starting
    /// up or shutting down (57P01–57P03), out of connections, memory or disk (class 53), an I/O error
    /// (class 58), or a read-only server (25006: a primary turned standby in a failover).
    static func unavailability(_ error: PSQLError, location: String) -> DatabaseUnavailable? {
        switch error.code {
        case .serverClosedConnection, .clientClosedConnection, .connectionError, .uncleanShutdown:
            return DatabaseUnavailable(
                "the connection to PostgreSQL at \(location) was lost: \(String(reflecting: error))")
        default:
            break
        }
        guard let state = error.serverInfo?[.sqlState] else { return nil }
        guard
            state.hasPrefix("08") || state.hasPrefix("53") || state.hasPrefix("58")
                || ["57P01", "57P02", "57P03", "25006"].contains(state)
        else { return nil }
        return DatabaseUnavailable("PostgreSQL at \(location) answered \(state): \(error.serverInfo?[.message] ?? "")")
    }

    /// Waits on this thread for `future`, but fails with `DatabaseUnavailable` once `timeout`
    /// passed or as soon as `isOpen` turns false: a reply that never comes (the server went away
    /// mid-query, which can leave PostgresNIO's future pending for good) must not hold the thread.
    static func waitForReply<T>(
        _ future: EventLoopFuture<T>, timeout: Duration, while isOpen: () -> Bool, doing what: String, location: String
    ) throws -> T {
        let reply = Reply<T>()
        future.whenComplete { reply.set($0) }
        let deadline = ContinuousClock.now + timeout
        while reply.done.wait(timeout: .now() + .milliseconds(100)) == .timedOut {
            guard isOpen() else {
                throw DatabaseUnavailable("the connection to PostgreSQL at \(location) closed while \(what)")
            }
            guard ContinuousClock.now < deadline else {
                throw DatabaseUnavailable("PostgreSQL at \(location) did not answer within \(timeout) while \(what)")
            }
        }
        return try reply.get()
    }
}

/// The outcome of a future, handed from an event loop to the thread that waits for it.
private final class Reply<T>: @unchecked Sendable {
    let done = DispatchSemaphore(value: 0)
    private var result: Result<T, any Error>?

    /// Called once, on the event loop; `done` orders it before `get`.
    func set(_ result: Result<T, any Error>) {
        self.result = result
        done.signal()
    }

    func get() throws -> T { try result!.get() }
}
