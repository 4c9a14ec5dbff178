import Finance
import TriadEvents
import TriadRuntime

/// Finance's own settings, on top of the runtime's.
struct FinanceConfig {
    let policy: BudgetPolicy

    init(runtime: RuntimeConfig, environment: EnvironmentReader) throws(ConfigurationError) {
        let envelope = try environment.integer(
            "TRIAD_FINANCE_QUARTERLY_ENVELOPE_MINOR", default: 50_000_000, in: 0...Int64.max / 10_000)
        let hurdle = try environment.integer("TRIAD_FINANCE_HURDLE_BPS", default: 1000, in: -10_000...1_000_000)
        policy = BudgetPolicy(quarterlyEnvelope: runtime.currency.money(envelope), hurdleBps: hurdle)
    }
}
