import Configuration
import Marketing
import TriadRuntime

/// Marketing's own settings, on top of the runtime's.
struct MarketingConfig {
    let briefing: BriefingPolicy

    init(environment: ConfigReader) throws(ConfigurationError) {
        briefing = BriefingPolicy(
            scaleMaxSpendPercent: try environment.integer("TRIAD_BRIEFING_SCALE_MAX_SPEND_PERCENT"),
            pauseMinSpendPercent: try environment.integer("TRIAD_BRIEFING_PAUSE_MIN_SPEND_PERCENT"),
            retentionThreshold: try environment.integer("TRIAD_BRIEFING_RETENTION_THRESHOLD"))
    }
}
