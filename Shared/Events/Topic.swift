/// Who takes part in the event flow: the suite's services, and the "other systems" that feed it. A
/// topic names its producers and its consumers among them.
public enum Participant: String, Sendable, CaseIterable {
    case marketing, finance, it
    case otherSystems = "other-systems"
}

/// Every Kafka topic of the suite. Services name topics through this type, never as string literals.
public enum Topic: String, Sendable, CaseIterable, Hashable {
    case marketingCampaigns = "marketing.campaigns"
    case budgetDecisions = "finance.budget-decisions"
    case roi = "finance.roi"
    case adSpend = "ads.spend"
    case customerInteractions = "customer.interactions"
    case attributions = "it.attributions"
    case insights = "it.insights"

    public var name: String { rawValue }

    /// What the Kafka key (and the event's `subject`) identifies.
    public var key: String {
        switch self {
        case .marketingCampaigns, .adSpend, .attributions: "campaignId"
        case .budgetDecisions: "campaignId (quarter for envelope changes and reallocation proposals)"
        case .roi: "campaignId (quarter for acquisition reports)"
        case .customerInteractions: "customerId"
        case .insights: "campaignId or customerId"
        }
    }

    public var eventTypes: [EventType] { EventType.allCases.filter { $0.topic == self } }

    public var producers: [Participant] {
        switch self {
        case .marketingCampaigns: [.marketing]
        case .budgetDecisions, .roi: [.finance]
        case .adSpend, .customerInteractions: [.otherSystems]
        case .attributions, .insights: [.it]
        }
    }

    public var consumers: [Participant] {
        switch self {
        case .marketingCampaigns: [.finance]
        case .budgetDecisions, .roi: [.marketing]
        // Finance reads customer.acquired and ignores the rest.
        case .insights: [.marketing, .finance]
        case .adSpend, .attributions: [.finance]
        case .customerInteractions: [.it]
        }
    }

    /// Topics whose load grows with outside traffic get more partitions by default.
    public var defaultPartitions: Int32 {
        switch self {
        case .customerInteractions, .adSpend, .attributions, .insights: 6
        default: 3
        }
    }

    public static func named(_ name: String) -> Topic? { Topic(rawValue: name) }

    /// The topics a service consumes, in catalog order: what it subscribes to.
    public static func consumed(by service: Participant) -> [Topic] {
        allCases.filter { $0.consumers.contains(service) }
    }

    /// The topics a service publishes to, in catalog order.
    public static func produced(by service: Participant) -> [Topic] {
        allCases.filter { $0.producers.contains(service) }
    }

    /// The dead-letter topic of a service: `<service>.dead-letter`.
    public static func deadLetter(of service: Participant) -> String { "\(service.rawValue).dead-letter" }

    /// Where `triad dlq replay` may send a dead letter of `service` back to: the topic its
    /// `dead-letter-source-topic` header names (`sourceTopics`: every value of that header), and only
    /// when `service` consumes that topic. A dead-letter topic is only as trustworthy as whoever can
    /// write to it: a letter naming any other topic (or none, or two) is refused, so a replay cannot
    /// be used to publish onto a topic the service never read from.
    public static func replayDestination(ofDeadLetterFrom service: Participant, sourceTopics: [String?]) -> Result<
        Topic, ReplayRefusal
    > {
        let header = DeadLetterHeader.sourceTopic
        guard sourceTopics.count == 1, let name = sourceTopics[0] else {
            return .failure(
                ReplayRefusal(
                    sourceTopics.isEmpty
                        ? "it has no \(header) header"
                        : sourceTopics.count > 1
                            ? "it has \(sourceTopics.count) \(header) headers; one is needed"
                            : "its \(header) header is not UTF-8"))
        }
        let consumed = consumed(by: service)
        guard let topic = named(name), consumed.contains(topic) else {
            return .failure(
                ReplayRefusal(
                    "its \(header) is '\(name)', a topic \(service.displayName) does not consume (it reads "
                        + consumed.map(\.name).joined(separator: ", ") + ")"))
        }
        return .success(topic)
    }

    /// Every topic a deployment needs, dead-letter topics included.
    public static var allNames: [String] {
        allCases.map(\.name) + [Participant.marketing, .finance, .it].map(deadLetter(of:))
    }
}

/// Why a dead letter is not replayed.
public struct ReplayRefusal: Error, Equatable, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

extension Participant {
    /// How the README and the CLI name it.
    public var displayName: String {
        switch self {
        case .marketing: "marketing"
        case .finance: "finance"
        case .it: "IT"
        case .otherSystems: "other systems"
        }
    }

    /// The CloudEvents `source` a Triad service stamps on every event it emits (`/triad/finance`);
    /// nil for other systems, whose sources are their own. Not configurable: the services publish
    /// with it and every consumer checks it (`EventType.requiredSource`).
    public var eventSource: String? { self == .otherSystems ? nil : "/triad/\(rawValue)" }
}

extension Topic {
    /// The README's topic table, generated from the catalog (`triad topics --markdown`; a test
    /// checks the README holds exactly this).
    public static var markdownTable: String {
        var lines = ["| topic | key | events | produced by | consumed by |", "|---|---|---|---|---|"]
        for topic in allCases {
            let events = topic.eventTypes.map { "`\($0.rawValue)`" }.joined(separator: ", ")
            lines.append(
                "| `\(topic.name)` | \(topic.key) | \(events) | \(topic.producers.map(\.displayName).joined(separator: ", ")) | "
                    + "\(topic.consumers.map(\.displayName).joined(separator: ", ")) |")
        }
        lines.append(
            "| `<service>.dead-letter` | original key | the original bytes, reason in headers | each service | operators |"
        )
        return lines.joined(separator: "\n")
    }
}

/// The CloudEvents `type` of every event in the catalog, with its topic and current schema version.
public enum EventType: String, Sendable, CaseIterable, Hashable {
    case campaignPlanned = "triad.campaign.planned"
    case campaignLaunched = "triad.campaign.launched"
    case campaignPaused = "triad.campaign.paused"
    case campaignResumed = "triad.campaign.resumed"
    case campaignCompleted = "triad.campaign.completed"
    case budgetApproved = "triad.budget.approved"
    case budgetRejected = "triad.budget.rejected"
    case budgetExceeded = "triad.budget.exceeded"
    case envelopeChanged = "triad.envelope.changed"
    case roiReported = "triad.roi.reported"
    case adSpendReported = "triad.ad-spend.reported"
    case customerInteraction = "triad.customer.interaction"
    case conversionAttributed = "triad.conversion.attributed"
    case campaignPerformanceReported = "triad.campaign-performance.reported"
    case churnRiskDetected = "triad.churn-risk.detected"
    case churnRiskCleared = "triad.churn-risk.cleared"
    case churnRiskSegmentChanged = "triad.churn-risk.segment-changed"
    case attributionMarkovComputed = "triad.attribution.markov-computed"
    case reallocationProposed = "triad.reallocation.proposed"
    case customerAcquired = "triad.customer.acquired"
    case acquisitionReported = "triad.acquisition.reported"

    public var topic: Topic {
        switch self {
        case .campaignPlanned, .campaignLaunched, .campaignPaused, .campaignResumed, .campaignCompleted:
            .marketingCampaigns
        case .budgetApproved, .budgetRejected, .budgetExceeded, .envelopeChanged, .reallocationProposed:
            .budgetDecisions
        case .roiReported, .acquisitionReported: .roi
        case .adSpendReported: .adSpend
        case .customerInteraction: .customerInteractions
        case .conversionAttributed: .attributions
        case .campaignPerformanceReported, .churnRiskDetected, .churnRiskCleared, .churnRiskSegmentChanged,
            .attributionMarkovComputed, .customerAcquired:
            .insights
        }
    }

    /// The newest schema version this build knows: consumers dead-letter anything newer. A type at
    /// version n+1 still reads version n, upcast before validation and the handler
    /// (`DomainEvent.upcast(fromVersion:)`), as docs/producers.md ("Versions and compatibility") says.
    public var currentVersion: Int {
        switch self {
        case .conversionAttributed: 2  // 2 added `credits` under every attribution model
        default: 1
        }
    }

    /// The only `source` an event of this type may carry: the `eventSource` of the Triad service
    /// that produces its topic; nil for the types other systems produce. A consumer refuses any other
    /// source as `wrong-source` — it keeps a mistaken or careless producer out, not a determined one
    /// (anyone who can write to the topic can write this string too: Kafka ACLs keep them out).
    public var requiredSource: String? {
        let producers = topic.producers
        return producers.count == 1 ? producers[0].eventSource : nil
    }
}
