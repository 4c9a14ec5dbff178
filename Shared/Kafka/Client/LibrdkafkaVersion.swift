import CRdKafka

/// The librdkafka the process loaded at run time (not the headers it was built with).
public struct LibrdkafkaVersion: Sendable, CustomStringConvertible {
    /// `0xMMmmrrxx`, as `rd_kafka_version()` returns it.
    public let number: Int32
    public let text: String

    /// The oldest runtime Triad accepts: 2.2 parses the tagged fields of current brokers' ApiVersions replies.
    public static let minimum: Int32 = 0x0202_0000

    public init(number: Int32, text: String) {
        self.number = number
        self.text = text
    }

    public static var loaded: LibrdkafkaVersion {
        LibrdkafkaVersion(number: rd_kafka_version(), text: String(cString: rd_kafka_version_str()))
    }

    public var isSupported: Bool { number >= Self.minimum }

    public var description: String { text }

    /// Throws with instructions when the loaded runtime is older than 2.2.
    public func requireSupported() throws(KafkaError) {
        guard isSupported else {
            throw KafkaError(
                .unsupportedLibrary,
                """
                librdkafka \(text) is loaded, but Triad needs 2.2 or newer (older runtimes cannot parse the \
                ApiVersions replies of current brokers). Put a newer librdkafka.so.1 first on LD_LIBRARY_PATH: \
                `source scripts/env.sh` does this with the librdkafka bundled in the confluent-kafka Python \
                package, or install your distribution's librdkafka1 if it is 2.2 or newer (Ubuntu 24.04 ships 2.3).
                """)
        }
    }
}
