import Foundation
import Logging
import Synchronization

/// One JSON object per line on standard error: `time`, `level`, `label`, `message`, the metadata
/// (event id, correlation id, trace id, … where the log line is about an event) and `source`.
struct JSONLogHandler: LogHandler {
    let label: String
    var logLevel: Logger.Level
    var metadata: Logger.Metadata = [:]
    /// While tracing: the trace and span ids of the span a line is written in.
    var metadataProvider: Logger.MetadataProvider?

    init(label: String, logLevel: Logger.Level, metadataProvider: Logger.MetadataProvider? = nil) {
        self.label = label
        self.logLevel = logLevel
        self.metadataProvider = metadataProvider
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    private static let lock = Mutex(())
    private static let timeFormat = Date.ISO8601FormatStyle(includingFractionalSeconds: true)

    func log(event: LogEvent) {
        var object: [String: String] = [
            "time": Date().formatted(Self.timeFormat), "level": event.level.rawValue, "label": label,
            "message": "\(event.message)", "source": event.source,
        ]
        let provided = metadataProvider?.get() ?? [:]
        let merged = provided.isEmpty ? metadata : metadata.merging(provided, uniquingKeysWith: { _, new in new })
        for (key, value) in merged.merging(event.metadata ?? [:], uniquingKeysWith: { _, new in new }) {
            object[key] = "\(value)"
        }
        guard
            var line = try? JSONSerialization.data(
                withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        else { return }
        line.append(0x0A)
        Self.lock.withLock { _ in FileHandle.standardError.write(line) }
    }
}
