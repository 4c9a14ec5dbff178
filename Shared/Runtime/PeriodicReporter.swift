import Logging
import ServiceLifecycle
import Synchronization
import Tracing
import TriadEvents
import TriadStorage

/// Writes coalesced reports (ROI, campaign performance) to the outbox: at most one per aggregate
/// per interval, and a last round on shutdown so the final totals always go out.
///
/// A report compares what is stored now with what was last reported (both in the service's
/// tables), so it needs no marker that the event transactions would have to write and lock. Where
/// instances share a database, only the one that relays the outbox reports, so reports about one
/// aggregate go out in the order they were written.
public struct PeriodicReporter: Service {
    /// Reads what changed since the last report, records it as reported, and returns the reports.
    public typealias Collect = @Sendable (any SQLSession) throws -> [DomainEvent]

    let interval: Duration
    let database: any Database
    let publisher: EventPublisher
    let relay: OutboxRelay
    let logger: Logger
    let collect: Collect

    public init(
        interval: Duration, database: any Database, publisher: EventPublisher, relay: OutboxRelay, logger: Logger,
        collect: @escaping Collect
    ) {
        self.interval = interval
        self.database = database
        self.publisher = publisher
        self.relay = relay
        self.logger = logger
        self.collect = collect
    }

    public func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            await flush()
        }
        await flush()
    }

    /// Writes whatever changed since the last round (reading the changes, recording them as
    /// reported and writing the reports in one transaction, so a failure loses nothing). While
    /// tracing, each report has a span that continues the trace of the latest event it summarises
    /// and links to the others (`ReportLinks`).
    public func flush() async {
        guard await relay.leads() else { return }
        let tracing = TracePropagation.isTracing
        // The report spans of the attempt under way: an attempt that rolled back ends its own
        // with an error when the next one starts, the last attempt's end after it.
        let attempt = Mutex<[any Span]>([])
        @Sendable func endAttempt(failure: (any Error)?) {
            for span in attempt.withLock({ spans in
                defer { spans = [] }
                return spans
            }) {
                if let failure {
                    span.recordError(failure)
                    span.setStatus(SpanStatus(code: .error))
                }
                span.end()
            }
        }
        do {
            let count = try await withRetries {
                try await database.transaction { session in
                    endAttempt(failure: StorageError("the report transaction was rolled back and retried"))
                    // Links first: one recorded after the reports were read waits for the next round.
                    // Taken even when this instance does not trace, so what a tracing one recorded
                    // never piles up.
                    let links = try ReportLinks.take(in: session)
                    let reports = try collect(session)
                    var rows: [OutboxMessage] = []
                    for report in reports {
                        let span =
                            tracing
                            ? Self.span(for: report, summarising: report.campaignId.flatMap { links[$0.utf8Key] } ?? [])
                            : nil
                        if let span { attempt.withLock { $0.append(span) } }
                        rows += try publisher.outgoing([report], cause: .serviceInitiated(context: span?.context)).map {
                            event throws(EventRejection) in try publisher.outboxMessage(for: event)
                        }
                    }
                    try Outbox.append(rows, in: session)
                    return rows.count
                }
            }
            endAttempt(failure: nil)
            if count > 0 { relay.nudge() }
        } catch {
            endAttempt(failure: error)
            // An unavailable database is logged by its watch; the changes are reported once it is back.
            if !(error is DatabaseUnavailable) {
                logger.error("could not write reports; they stay pending", metadata: ["error": "\(error)"])
            }
        }
    }

    /// At most this many links per report span (OpenTelemetry's default limit is 128).
    static let maxLinks = 32

    static func span(for report: DomainEvent, summarising traceparents: [String]) -> any Span {
        let latest = traceparents.last.map { TracePropagation.context(headers: [], attribute: $0) }
        let span = startSpan("report \(report.type.rawValue)", context: latest ?? .topLevel, ofKind: .internal)
        span.attributes["triad.report.summarised_traces"] = Int64(traceparents.count)
        var linked: Set<String> = []
        for traceparent in traceparents.reversed() where linked.count < maxLinks && linked.insert(traceparent).inserted
        {
            span.addLink(
                SpanLink(context: TracePropagation.context(headers: [], attribute: traceparent), attributes: [:]))
        }
        return span
    }
}
