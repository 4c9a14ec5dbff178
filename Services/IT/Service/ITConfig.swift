import Analytics
import TriadEvents
import TriadRuntime

/// IT's own settings, on top of the runtime's.
struct ITConfig {
    let policy: AnalyticsPolicy

    init(runtime: RuntimeConfig, environment: EnvironmentReader) throws(ConfigurationError) {
        let window = try environment.integer("TRIAD_IT_ATTRIBUTION_WINDOW_DAYS", default: 30, in: 0...3650)
        let inactivity = try environment.integer("TRIAD_IT_INACTIVITY_DAYS", default: 60, in: 1...3650)
        let ahead = try environment.integer("TRIAD_IT_MAX_EVENT_TIME_AHEAD_HOURS", default: 720, in: 0...87_600)
        policy = AnalyticsPolicy(
            attributionWindowDays: window, inactivityDays: inactivity, maxAheadHours: ahead, currency: runtime.currency.code)
    }
}
