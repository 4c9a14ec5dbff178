import CRdKafka
import Logging

/// librdkafka client properties. Services build one from their configuration; every property is
/// checked by librdkafka itself when a client is created, and a refusal names the property.
public struct KafkaConfiguration: Sendable, CustomStringConvertible {
    public private(set) var properties: [String: String]

    public init(bootstrapServers: String, properties: [String: String] = [:]) {
        self.properties = ["bootstrap.servers": bootstrapServers].merging(properties) { _, new in new }
    }

    public subscript(_ name: String) -> String? {
        get { properties[name] }
        set { properties[name] = newValue }
    }

    public func with(_ extra: [String: String]) -> KafkaConfiguration {
        var copy = self
        copy.properties.merge(extra) { _, new in new }
        return copy
    }

    /// Property names whose values are never printed.
    static let secretNames: Set<String> = [
        "sasl.password", "ssl.key.password", "ssl.keystore.password", "sasl.oauthbearer.client.secret",
    ]

    public var description: String {
        properties.keys.sorted().map { key in
            "\(key)=\(Self.secretNames.contains(key) ? "<redacted>" : properties[key]!)"
        }.joined(separator: " ")
    }

    /// A new `rd_kafka_conf_t` with every property set; the caller owns it.
    func makeNative() throws(KafkaError) -> OpaquePointer {
        let conf = rd_kafka_conf_new()!
        var errorText = [CChar](repeating: 0, count: 512)
        for (name, value) in properties.sorted(by: { $0.key < $1.key }) {
            let result = rd_kafka_conf_set(conf, name, value, &errorText, errorText.count)
            guard result == RD_KAFKA_CONF_OK else {
                rd_kafka_conf_destroy(conf)
                let shown = Self.secretNames.contains(name) ? "<redacted>" : value
                throw KafkaError(
                    .configuration,
                    "\(name)=\(shown) refused: \(errorText.nulTerminatedString)")
            }
        }
        // librdkafka's own log lines go through swift-log like everything else (text or JSON).
        rd_kafka_conf_set_log_cb(conf) { rk, level, facility, message in
            let text = message.map { String(cString: $0) } ?? ""
            let client = rk.map { String(cString: rd_kafka_name($0)) } ?? ""
            let metadata: Logger.Metadata = [
                "facility": "\(facility.map { String(cString: $0) } ?? "")", "client": "\(client)",
            ]
            switch level {
            case 0...2: librdkafkaLogger.critical("\(text)", metadata: metadata)
            case 3: librdkafkaLogger.error("\(text)", metadata: metadata)
            case 4: librdkafkaLogger.warning("\(text)", metadata: metadata)
            case 5, 6: librdkafkaLogger.info("\(text)", metadata: metadata)
            default: librdkafkaLogger.debug("\(text)", metadata: metadata)
            }
        }
        return conf
    }
}

private let librdkafkaLogger = Logger(label: "librdkafka")
