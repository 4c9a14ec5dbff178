import CRdKafka
import Foundation

/// librdkafka's built-in mock cluster, for small tests and fault injection only (it keeps about
/// 25,000 messages per partition and has no CreateTopics handler).
final class MockCluster: @unchecked Sendable {
    private let owner: OpaquePointer
    let cluster: OpaquePointer
    let brokerCount: Int32

    init(brokers: Int32 = 1) {
        let conf = rd_kafka_conf_new()
        var errorText = [CChar](repeating: 0, count: 256)
        rd_kafka_conf_set(conf, "log_level", "0", &errorText, errorText.count)
        owner = rd_kafka_new(RD_KAFKA_PRODUCER, conf, &errorText, errorText.count)!
        cluster = rd_kafka_mock_cluster_new(owner, brokers)!
        brokerCount = brokers
    }

    var bootstrapServers: String { String(cString: rd_kafka_mock_cluster_bootstraps(cluster)) }

    func createTopic(_ name: String, partitions: Int32) {
        let result = rd_kafka_mock_topic_create(cluster, name, partitions, 1)
        precondition(result == RD_KAFKA_RESP_ERR_NO_ERROR, "mock topic creation failed")
    }

    func setAllBrokers(up: Bool) {
        for id in 1...brokerCount {
            if up { rd_kafka_mock_broker_set_up(cluster, id) } else { rd_kafka_mock_broker_set_down(cluster, id) }
        }
    }

    /// The next `errors.count` requests of `apiKey` fail with these errors, in order.
    func pushRequestErrors(apiKey: Int16, _ errors: [rd_kafka_resp_err_t]) {
        var errors = errors
        rd_kafka_mock_push_request_errors_array(cluster, apiKey, errors.count, &errors)
    }

    deinit {
        rd_kafka_mock_cluster_destroy(cluster)
        rd_kafka_destroy(owner)
    }
}

/// Kafka protocol API keys used in fault injection.
enum ApiKey {
    static let produce: Int16 = 0
}
