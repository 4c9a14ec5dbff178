import Finance
import Testing
import TriadEvents

@Suite struct FinanceLedgerTests {
    let ledger = FinanceLedger(policy: BudgetPolicy(quarterlyEnvelope: Currency.euro.money(1_000_000), hurdleBps: 1000))
    var store = FinanceState()

    func planned(_ id: String, budget: Int64, target: Int64 = 1500, start: String = "2026-10-01") -> DomainEvent {
        .campaignPlanned(
            CampaignPlanned(
                campaignId: id, name: id, channel: .search, segment: "s", requestedBudget: Currency.euro.money(budget),
                startDate: CalendarDate(start)!, endDate: CalendarDate("2027-06-30")!, targetRoiBps: target))
    }

    func spend(_ id: String, _ amount: Int64) -> DomainEvent {
        .adSpendReported(AdSpendReported(campaignId: id, amount: Currency.euro.money(amount)))
    }

    func conversion(_ id: String, order: String, revenue: Int64) -> DomainEvent {
        .conversionAttributed(
            ConversionAttributed(
                campaignId: id, orderId: order, customerId: "u", revenue: Currency.euro.money(revenue),
                occurredAt: Timestamp(millisecondsSinceEpoch: 0)))
    }

    let q4 = Quarter(year: 2026, number: 4)

    func envelope(_ quarter: Quarter, reserved: Int64, released: Int64, revision: Int64) -> DomainEvent {
        .envelopeChanged(
            EnvelopeChanged(
                quarter: quarter, envelope: Currency.euro.money(1_000_000), reserved: Currency.euro.total(reserved),
                released: Currency.euro.total(released), revision: revision))
    }

    @Test mutating func approvesTheFullAmountAndReservesIt() throws {
        let events = try ledger.apply(planned("a", budget: 400_000), to: &store)
        #expect(
            events == [
                .budgetApproved(
                    BudgetApproved(
                        campaignId: "a", approvedBudget: Currency.euro.money(400_000), quarter: q4,
                        projectionReason: .notEnoughHistory)),
                envelope(q4, reserved: 400_000, released: 0, revision: 1),
            ])
        #expect(ledger.remainingMinor(in: q4, store: store) == 600_000)
    }

    @Test mutating func rejectsTargetsUnderTheHurdleFirst() throws {
        // Also too expensive, but the hurdle is checked first.
        let events = try ledger.apply(planned("a", budget: 5_000_000, target: 999), to: &store)
        guard case .budgetRejected(let rejected) = events.first else {
            Issue.record("expected a rejection, got \(events)")
            return
        }
        #expect(rejected.reason == .targetRoiBelowHurdle)
        #expect(ledger.remainingMinor(in: q4, store: store) == 1_000_000)
        // The hurdle itself passes.
        #expect(try ledger.apply(planned("b", budget: 1, target: 1000), to: &store).first?.type == .budgetApproved)
    }

    @Test mutating func rejectsRequestsOverWhatIsLeftAndApprovesExactlyWhatIsLeft() throws {
        _ = try ledger.apply(planned("a", budget: 700_000), to: &store)
        let over = try ledger.apply(planned("b", budget: 300_001), to: &store)
        guard case .budgetRejected(let rejected) = over.first else {
            Issue.record("expected a rejection, got \(over)")
            return
        }
        #expect(rejected.reason == .insufficientEnvelope)
        #expect(try ledger.apply(planned("c", budget: 300_000), to: &store).first?.type == .budgetApproved)
        #expect(ledger.remainingMinor(in: q4, store: store) == 0)
    }

    @Test mutating func eachQuarterHasItsOwnEnvelope() throws {
        _ = try ledger.apply(planned("a", budget: 1_000_000, start: "2026-12-31"), to: &store)
        let nextQuarter = try ledger.apply(planned("b", budget: 1_000_000, start: "2027-01-01"), to: &store)
        #expect(
            nextQuarter == [
                .budgetApproved(
                    BudgetApproved(
                        campaignId: "b", approvedBudget: Currency.euro.money(1_000_000),
                        quarter: Quarter(year: 2027, number: 1), projectionReason: .notEnoughHistory)),
                envelope(Quarter(year: 2027, number: 1), reserved: 1_000_000, released: 0, revision: 1),
            ])
        #expect(
            try ledger.apply(planned("c", budget: 1, start: "2026-10-01"), to: &store).first?.type == .budgetRejected)
        #expect(ledger.envelope(for: q4, store: store).remaining == Currency.euro.money(0))
    }

    @Test mutating func completionReleasesTheUnspentPart() throws {
        _ = try ledger.apply(planned("a", budget: 600_000), to: &store)
        _ = try ledger.apply(spend("a", 250_000), to: &store)
        let completed = try ledger.apply(.campaignCompleted(CampaignCompleted(campaignId: "a")), to: &store)
        #expect(completed == [envelope(q4, reserved: 250_000, released: 350_000, revision: 2)])
        #expect(ledger.remainingMinor(in: q4, store: store) == 750_000)
        #expect(store.account("a")?.releasedMinor == 350_000)
        #expect(ledger.envelope(for: q4, store: store).released == Currency.euro.total(350_000))
        // Completing again releases nothing more, and says nothing.
        #expect(try ledger.apply(.campaignCompleted(CampaignCompleted(campaignId: "a")), to: &store).isEmpty)
        #expect(ledger.remainingMinor(in: q4, store: store) == 750_000)
    }

    @Test mutating func overspentCampaignsReleaseNothing() throws {
        _ = try ledger.apply(planned("a", budget: 600_000), to: &store)
        _ = try ledger.apply(spend("a", 700_000), to: &store)
        #expect(try ledger.apply(.campaignCompleted(CampaignCompleted(campaignId: "a")), to: &store).isEmpty)
        #expect(ledger.remainingMinor(in: q4, store: store) == 400_000)
    }

    @Test mutating func budgetExceededIsEmittedOnceWhenSpendFirstExceedsTheApproval() throws {
        _ = try ledger.apply(planned("a", budget: 1000), to: &store)
        #expect(try ledger.apply(spend("a", 1000), to: &store).isEmpty)  // equal is not over
        let over = try ledger.apply(spend("a", 1), to: &store)
        #expect(
            over == [
                .budgetExceeded(
                    BudgetExceeded(
                        campaignId: "a", approvedBudget: Currency.euro.money(1000), spend: Currency.euro.total(1001)))
            ])
        #expect(try ledger.apply(spend("a", 5), to: &store).isEmpty)
    }

    @Test mutating func spendBeforeTheCampaignIsKeptAndCounted() throws {
        _ = try ledger.apply(spend("late", 150_000), to: &store)
        _ = try ledger.apply(spend("late", 50_000), to: &store)
        #expect(store.account("late")?.spentMinor == 200_000)
        let events = try ledger.apply(planned("late", budget: 100_000), to: &store)
        #expect(events.map(\.type) == [.budgetApproved, .envelopeChanged, .budgetExceeded])
        guard case .budgetExceeded(let exceeded) = events.last else { return }
        #expect(exceeded.spend == Currency.euro.total(200_000))
        #expect(store.account("late")?.roiReport(currency: "EUR").roiBps == -10_000)
    }

    @Test mutating func replayedPlansChangeNothing() throws {
        _ = try ledger.apply(planned("a", budget: 400_000), to: &store)
        #expect(try ledger.apply(planned("a", budget: 400_000), to: &store).isEmpty)
        #expect(ledger.remainingMinor(in: q4, store: store) == 600_000)
    }

    @Test mutating func roiFiguresComeFromSpendAndAttributedRevenue() throws {
        _ = try ledger.apply(planned("a", budget: 1_000_000), to: &store)
        _ = try ledger.apply(spend("a", 1_200_000), to: &store)
        _ = try ledger.apply(conversion("a", order: "o1", revenue: 450_001), to: &store)
        _ = try ledger.apply(conversion("a", order: "o1", revenue: 450_001), to: &store)  // same order again
        let report = store.account("a")!.roiReport(currency: "EUR")
        #expect(report.revenue.amountMinor == 450_001)
        #expect(report.conversions == 1)
        #expect(report.roiBps == -6250)
        #expect(report.roasBps == 3750)
        #expect(report.costPerOrderMinor == 1_200_000)
        #expect(report.newCustomers == 0 && report.cacMinor == nil)
    }

    @Test mutating func roiReportsAreCoalescedPerCampaign() throws {
        _ = try ledger.apply(spend("a", 10), to: &store)
        _ = try ledger.apply(spend("a", 20), to: &store)
        _ = try ledger.apply(conversion("b", order: "o", revenue: 5), to: &store)
        var reported: [UTF8Key: RoiReported] = [:]
        func reports() -> [RoiReported] {
            let due = ledger.roiReports(
                accounts: ["a", "b", "planned"].compactMap(store.account), lastReported: reported)
            for report in due { reported[report.campaignId.utf8Key] = report }
            return due
        }
        _ = try ledger.apply(planned("planned", budget: 10), to: &store)  // no figures yet: nothing to report
        let first = reports()
        #expect(first.count == 2)
        #expect(
            first.first
                == RoiReported(
                    campaignId: "a", spend: Currency.euro.total(30), revenue: Currency.euro.total(0), conversions: 0,
                    byModel: Dictionary(
                        uniqueKeysWithValues: AttributionModel.allCases.map {
                            ($0, ModelReturn(revenue: Currency.euro.total(0), conversionsBps: 0, spendMinor: 30))
                        }), newCustomers: 0))
        #expect(reports().isEmpty)
        _ = try ledger.apply(spend("a", 1), to: &store)
        #expect(reports().count == 1)
    }

    @Test mutating func rejectedCampaignsNeverReportExceeded() throws {
        _ = try ledger.apply(planned("a", budget: 10, target: 0), to: &store)
        #expect(try ledger.apply(spend("a", 100), to: &store).isEmpty)
    }

    @Test mutating func spendThatWouldOverflowIsRefusedAndChangesNothing() throws {
        _ = try ledger.apply(spend("a", 5_000_000_000_000_000_000), to: &store)
        #expect(throws: EventRejection.self) { try ledger.apply(spend("a", 5_000_000_000_000_000_000), to: &store) }
        #expect(store.account("a")?.spentMinor == 5_000_000_000_000_000_000)
        _ = try ledger.apply(conversion("a", order: "o", revenue: Int64.max), to: &store)
        #expect(throws: EventRejection.self) { try ledger.apply(conversion("a", order: "p", revenue: 1), to: &store) }
        #expect(store.account("a")?.conversions == 1)
        // The order refused for overflow was not recorded: a corrected one still counts (b planned on
        // search: the week of `other`, a's channel, holds Int64.max already).
        _ = try ledger.apply(planned("b", budget: 1), to: &store)
        #expect(try ledger.apply(conversion("b", order: "p", revenue: 1), to: &store).isEmpty)
        #expect(store.account("b")?.conversions == 1)
    }
}
