import Analytics
import Configuration
import TriadEvents
import TriadRuntime

/// IT's own settings, on top of the runtime's.
struct ITConfig {
    let policy: AnalyticsPolicy
    /// How often the data-driven attribution is computed.
    let markovInterval: Duration

    init(runtime: RuntimeConfig, environment: ConfigReader) throws(ConfigurationError) {
        let window = try environment.integer("TRIAD_IT_ATTRIBUTION_WINDOW_DAYS")
        let inactivity = try environment.integer("TRIAD_IT_INACTIVITY_DAYS")
        let ahead = try environment.integer("TRIAD_IT_MAX_EVENT_TIME_AHEAD_HOURS")
        markovInterval = .milliseconds(try environment.integer("TRIAD_IT_MARKOV_INTERVAL_MS"))
        let halfLife = try environment.integer("TRIAD_IT_TIME_DECAY_HALF_LIFE_HOURS")
        policy = AnalyticsPolicy(
            attributionWindowDays: window, inactivityDays: inactivity, maxAheadHours: ahead,
            timeDecayHalfLifeHours: halfLife, currency: runtime.currency.code)
    }
}
