import Marketing
import TriadRuntime

/// Marketing's own settings, on top of the runtime's.
struct MarketingConfig {
    let briefing: BriefingPolicy

    init(environment: EnvironmentReader) throws(ConfigurationError) {
        briefing = BriefingPolicy(
            scaleMaxSpendPercent: try environment.integer(
                "TRIAD_BRIEFING_SCALE_MAX_SPEND_PERCENT", default: 80, in: 0...10_000),
            pauseMinSpendPercent: try environment.integer(
                "TRIAD_BRIEFING_PAUSE_MIN_SPEND_PERCENT", default: 50, in: 0...10_000),
            retentionThreshold: try environment.integer(
                "TRIAD_BRIEFING_RETENTION_THRESHOLD", default: 10, in: 1...Int64(Int32.max)))
    }
}
