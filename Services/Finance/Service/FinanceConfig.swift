import Configuration
import Finance
import TriadEvents
import TriadRuntime

/// Finance's own settings, on top of the runtime's.
struct FinanceConfig {
    let policy: BudgetPolicy

    init(runtime: RuntimeConfig, environment: ConfigReader) throws(ConfigurationError) {
        let envelope = try environment.integer("TRIAD_FINANCE_QUARTERLY_ENVELOPE_MINOR")
        let hurdle = try environment.integer("TRIAD_FINANCE_HURDLE_BPS")
        let bound = try environment.integer("TRIAD_REALLOCATION_BOUND_BPS")
        policy = BudgetPolicy(
            quarterlyEnvelope: runtime.currency.money(envelope), hurdleBps: hurdle, reallocationBoundBps: bound)
    }
}
