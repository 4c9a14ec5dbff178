import Finance
import Testing
import TriadEvents

/// A budget decision carries its channel's last-touch curve, taken over the campaign's weeks, at the
/// requested budget.
@Suite struct BudgetProjectionTests {
    let ledger = FinanceLedger(policy: BudgetPolicy(quarterlyEnvelope: Currency.euro.money(1_000_000), hurdleBps: 1000))

    func planned(_ id: String, _ channel: Channel, budget: Int64, target: Int64) -> DomainEvent {
        .campaignPlanned(
            CampaignPlanned(
                campaignId: id, name: id, channel: channel, segment: "s", requestedBudget: Currency.euro.money(budget),
                startDate: CalendarDate("2026-10-01")!, endDate: CalendarDate("2026-12-31")!, targetRoiBps: target))
    }

    @Test func anApprovalProjectsFromItsChannelsCurve() throws {
        var store = FinanceState()
        // R(S) = 1,000·√S a week; 2026-10-01 through 2026-12-31 is 92 days, 92/7 weeks: 400,000 spread over
        // them brings 92/7 · 1,000·√(400,000 · 7/92) = 1,000·√(92 · 400,000 / 7) = 2,292,846.02 → 2,292,846
        // (one week's curve at 400,000 would say 632,456); ROI floor(1,892,846 × 10,000 / 400,000) = 47,321.
        store.curves = [.search: ResponseCurve(alpha: 0.5, beta: 1000)]
        let events = try ledger.apply(planned("a", .search, budget: 400_000, target: 1500), to: &store)
        #expect(
            events.first
                == .budgetApproved(
                    BudgetApproved(
                        campaignId: "a", approvedBudget: Currency.euro.money(400_000), quarter: Quarter("2026-Q4")!,
                        projectedRevenue: Currency.euro.money(2_292_846), projectedRoiBps: 47_321,
                        projectionReason: .curve)))
    }

    @Test func aRejectionWithoutACurveSaysNotEnoughHistory() throws {
        var store = FinanceState()
        store.curves = [.search: ResponseCurve(alpha: 0.5, beta: 1000)]
        let events = try ledger.apply(planned("b", .social, budget: 400_000, target: 500), to: &store)
        #expect(
            events
                == [
                    .budgetRejected(
                        BudgetRejected(
                            campaignId: "b", reason: .targetRoiBelowHurdle,
                            requestedBudget: Currency.euro.money(400_000),
                            quarter: Quarter("2026-Q4")!, projectionReason: .notEnoughHistory))
                ])
    }

    @Test func aBudgetOfZeroProjectsNothing() {
        #expect(BudgetProjection(budgetMinor: 0, curve: ResponseCurve(alpha: 1, beta: 3), weeks: 1).reason == nil)
        // α = 1: the weeks change nothing.
        let projection = BudgetProjection(budgetMinor: 100, curve: ResponseCurve(alpha: 1, beta: 3), weeks: 13)
        #expect(projection.revenueMinor == 300 && projection.roiBps == 20_000 && projection.reason == .curve)
    }

    /// Days from start to end, both included, over 7; at least one week. R = 3·√S a week over 4 weeks
    /// (28 days) is 6·√S: 400 brings 120, ROI (120 − 400) × 10,000 / 400 = −7,000.
    @Test func aCampaignsWeeksAreItsDaysOverSeven() {
        func weeks(_ start: String, _ end: String) -> Double {
            BudgetProjection.weeks(from: CalendarDate(start)!, through: CalendarDate(end)!)
        }
        #expect(weeks("2026-10-01", "2026-12-31") == 92.0 / 7 && weeks("2027-01-01", "2027-03-31") == 90.0 / 7)
        #expect(weeks("2026-10-01", "2026-10-28") == 4 && weeks("2026-10-01", "2026-10-10") == 10.0 / 7)
        #expect(weeks("2026-10-01", "2026-10-01") == 1 && weeks("2026-10-01", "2026-10-07") == 1)
        let projection = BudgetProjection(
            budgetMinor: 400, curve: ResponseCurve(alpha: 0.5, beta: 3), weeks: weeks("2026-10-01", "2026-10-28"))
        #expect(projection.revenueMinor == 120 && projection.roiBps == -7000)
    }
}
