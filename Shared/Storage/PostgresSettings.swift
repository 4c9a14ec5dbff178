import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import PostgresNIO

extension PostgresDatabase {
    /// What a PostgreSQL URL says, checked: host, port, database, user, password and sslmode; and the
    /// configurations built from it for the pool (`PostgresClient`) and for a connection of our own.
    public struct Settings: Sendable {
        public let host: String
        public let port: Int
        public let database: String
        public let user: String
        let password: String?
        public let sslmode: String

        public init(url: String) throws(StorageError) {
            guard let components = URLComponents(string: url),
                ["postgres", "postgresql"].contains(components.scheme ?? ""), let host = components.host, !host.isEmpty
            else {
                throw StorageError("database URL must look like postgres://user:password@host:5432/database")
            }
            let database = components.path.trimmingCharacters(in: CharacterSet(charactersIn: "/"))
            guard !database.isEmpty else { throw StorageError("the PostgreSQL URL names no database") }
            let port = components.port ?? 5432
            guard (1...65_535).contains(port) else {
                throw StorageError("the PostgreSQL port must be 1–65535, got \(port)")
            }
            let sslmode = components.queryItems?.first { $0.name == "sslmode" }?.value ?? "prefer"
            guard ["disable", "allow", "prefer", "require", "verify-ca", "verify-full"].contains(sslmode) else {
                throw StorageError("sslmode must be disable, prefer, require or verify-full, got '\(sslmode)'")
            }
            self.host = host
            self.port = port
            self.database = database
            self.user = components.user ?? "postgres"
            self.password = components.password
            self.sslmode = sslmode
        }

        /// The URL without its password.
        public var location: String { "postgres://\(user)@\(host):\(port)/\(database)" }

        /// The server's limits on one statement, one lock wait and a transaction left idle: a stuck
        /// session must not hold its row locks for long.
        static let serverTimeoutMilliseconds = 60_000
        /// How long a reply may take before the connection is given up for lost: the server's
        /// statement timeout and a margin for the reply to arrive.
        static let replyTimeout: Duration = .milliseconds(serverTimeoutMilliseconds + 5_000)
        /// How long connecting (TCP, TLS and the startup handshake) may take.
        static let connectTimeout: Duration = .seconds(5)

        /// Sent at startup on every connection.
        static let startupParameters = [
            ("statement_timeout", "\(serverTimeoutMilliseconds)"), ("lock_timeout", "\(serverTimeoutMilliseconds)"),
            ("idle_in_transaction_session_timeout", "\(serverTimeoutMilliseconds)"),
        ]

        /// The certificate is checked against the host name (`verify-full`); an address has none to check.
        var tlsServerName: String? {
            var v4 = in_addr()
            var v6 = in6_addr()
            let isAddress = inet_pton(AF_INET, host, &v4) == 1 || inet_pton(AF_INET6, host, &v6) == 1
            return isAddress ? nil : host
        }

        /// `sslmode` as libpq reads it: `disable`, `prefer` (the default; encrypts when the server can),
        /// `require` (encrypts, does not verify), `verify-full` (encrypts and verifies the server); nil
        /// for `disable`, and whether encryption is required.
        var tls: (configuration: TLSConfiguration, required: Bool)? {
            var unverified = TLSConfiguration.makeClientConfiguration()
            unverified.certificateVerification = .none
            switch sslmode {
            case "prefer", "allow": return (unverified, false)
            case "require": return (unverified, true)
            case "verify-full", "verify-ca": return (.makeClientConfiguration(), true)
            default: return nil
            }
        }

        /// The pool's configuration: at most `poolSize` connections, each opened within `connectTimeout`.
        func client(poolSize: Int) -> PostgresClient.Configuration {
            let clientTLS: PostgresClient.Configuration.TLS =
                switch tls {
                case nil: .disable
                case let (configuration, required)?: required ? .require(configuration) : .prefer(configuration)
                }
            var configuration = PostgresClient.Configuration(
                host: host, port: port, username: user, password: password, database: database, tls: clientTLS)
            configuration.options.connectTimeout = Self.connectTimeout
            configuration.options.tlsServerName = tlsServerName
            // Reads run without a transaction around them (`PostgresDatabase.read`), still read-only.
            configuration.options.additionalStartupParameters =
                Self.startupParameters + [("default_transaction_read_only", "on")]
            configuration.options.maximumConnections = poolSize
            return configuration
        }

        /// The configuration of a connection over `channel`, a TCP connection already made
        /// (`bootstrap`); `sslContext` made from `tls`.
        func connection(over channel: any Channel, sslContext: NIOSSLContext?) -> PostgresConnection.Configuration {
            let connectionTLS: PostgresConnection.Configuration.TLS =
                switch (sslContext, tls?.required) {
                case (let context?, true): .require(context)
                case (let context?, _): .prefer(context)
                default: .disable
                }
            var configuration = PostgresConnection.Configuration(
                establishedChannel: channel, tls: connectionTLS, username: user, password: password, database: database)
            configuration.options.connectTimeout = .milliseconds(Int64(Self.connectTimeout.components.seconds * 1000))
            configuration.options.tlsServerName = tlsServerName
            configuration.options.additionalStartupParameters = Self.startupParameters
            return configuration
        }

        /// A TCP client with keepalive: probes after 10 s of silence, every 5 s, 3 unanswered end the
        /// connection; data unacknowledged for 30 s ends it too.
        static func bootstrap(on eventLoop: any EventLoop) -> ClientBootstrap {
            typealias TCPOption = ChannelOptions.Types.SocketOption
            return ClientBootstrap(group: eventLoop)
                .connectTimeout(.seconds(Int64(connectTimeout.components.seconds)))
                .channelOption(.socketOption(.so_keepalive), value: 1)
                .channelOption(TCPOption(level: IPPROTO_TCP, name: TCP_KEEPIDLE), value: 10)
                .channelOption(TCPOption(level: IPPROTO_TCP, name: TCP_KEEPINTVL), value: 5)
                .channelOption(TCPOption(level: IPPROTO_TCP, name: TCP_KEEPCNT), value: 3)
                .channelOption(TCPOption(level: IPPROTO_TCP, name: TCP_USER_TIMEOUT), value: 30_000)
        }
    }
}
