import TriadEvents

/// What a planned campaign's channel curve under last touch says of its budget, carried on the
/// budget decision: the revenue of the budget spent evenly over the campaign's weeks (the weekly
/// curve taken `over(weeks:)` them) and the ROI that would be, or "not enough history" when the
/// channel has no curve. A budget of 0 projects nothing.
public struct BudgetProjection: Sendable, Equatable {
    /// `ResponseCurve.revenueMinor` at the budget.
    public let revenueMinor: Int64?
    /// (revenue − budget) × 10,000 / budget, floored (`Ratios.roiBps`).
    public let roiBps: Int64?
    public let reason: ProjectionReason?

    /// A campaign's length in weeks: its days, start and end date included, / 7, and at least 1 —
    /// the curve is fitted on whole weeks' figures, and a shorter campaign's spend lands in one week's.
    /// 2026-10-01 through 2026-12-31 is 92/7 weeks.
    public static func weeks(from start: CalendarDate, through end: CalendarDate) -> Double {
        max(1, Double(start.days(to: end) + 1) / 7)
    }

    /// The projection of `budgetMinor` spent over `weeks` (> 0) on the channel's weekly `curve`.
    public init(budgetMinor: Int64, curve weeklyCurve: ResponseCurve?, weeks: Double) {
        guard budgetMinor > 0 else {
            (revenueMinor, roiBps, reason) = (nil, nil, nil)
            return
        }
        guard let curve = weeklyCurve?.over(weeks: weeks) else {
            (revenueMinor, roiBps, reason) = (nil, nil, .notEnoughHistory)
            return
        }
        let revenue = curve.revenueMinor(at: budgetMinor)
        (revenueMinor, roiBps, reason) = (
            revenue, Ratios.roiBps(revenueMinor: revenue, spendMinor: budgetMinor), .curve
        )
    }
}
