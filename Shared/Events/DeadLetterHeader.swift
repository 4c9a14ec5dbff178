/// Header names on dead-letter messages. The value and key are the original bytes, untouched,
/// and the original headers follow these.
public enum DeadLetterHeader {
    public static let reason = "dead-letter-reason"
    public static let code = "dead-letter-code"
    public static let sourceTopic = "dead-letter-source-topic"
    public static let sourcePartition = "dead-letter-source-partition"
    public static let sourceOffset = "dead-letter-source-offset"
    public static let service = "dead-letter-service"
    public static let failedAt = "dead-letter-failed-at"
    /// Every dead-letter header starts with this; a replay strips them.
    public static let prefix = "dead-letter-"
}
