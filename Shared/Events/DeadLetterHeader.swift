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
    /// On a dead letter whose value is only an excerpt of an oversized original: the original's
    /// size in bytes and its SHA-256 (hex). Such a dead letter cannot be replayed.
    public static let originalBytes = "dead-letter-original-bytes"
    public static let originalSHA256 = "dead-letter-original-sha256"
    /// Every dead-letter header starts with this; a replay strips them.
    public static let prefix = "dead-letter-"
}
