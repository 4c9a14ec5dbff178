import CRdKafka

/// An error from the Kafka wrapper: what went wrong, and librdkafka's own words where it had some.
public struct KafkaError: Error, Sendable, CustomStringConvertible {
    public enum Code: String, Sendable {
        /// A configuration property was refused by librdkafka.
        case configuration
        /// The loaded librdkafka is too old to talk to current brokers.
        case unsupportedLibrary
        /// librdkafka could not create a client.
        case clientCreation
        /// A message could not be queued or was not delivered.
        case delivery
        /// Subscribing, committing or storing offsets failed.
        case consumer
        /// An admin request (creating topics) failed.
        case admin
        /// The client has been shut down.
        case shutDown
    }

    public let code: Code
    public let message: String
    /// librdkafka's error code, where the error came from librdkafka.
    public let librdkafkaError: Int32?

    public init(_ code: Code, _ message: String, librdkafkaError: Int32? = nil) {
        self.code = code
        self.message = message
        self.librdkafkaError = librdkafkaError
    }

    init(_ code: Code, _ context: String, _ error: rd_kafka_resp_err_t) {
        self.init(code, "\(context): \(String(cString: rd_kafka_err2str(error)))", librdkafkaError: error.rawValue)
    }

    public var description: String { "Kafka \(code.rawValue) error: \(message)" }

    /// True when the broker or librdkafka refused this message for good (too large, not allowed,
    /// invalid): sending it again cannot succeed.
    public var isPermanentForMessage: Bool {
        guard code == .delivery, let error = librdkafkaError else { return false }
        return [
            RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE, RD_KAFKA_RESP_ERR_RECORD_LIST_TOO_LARGE,
            RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED, RD_KAFKA_RESP_ERR_INVALID_RECORD,
            RD_KAFKA_RESP_ERR_INVALID_MSG,
            RD_KAFKA_RESP_ERR_INVALID_MSG_SIZE, RD_KAFKA_RESP_ERR_TOPIC_EXCEPTION,
        ].map(\.rawValue).contains(error)
    }

    /// True when librdkafka reported its local queue full.
    public var isQueueFull: Bool { librdkafkaError == RD_KAFKA_RESP_ERR__QUEUE_FULL.rawValue }
}
