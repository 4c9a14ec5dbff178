import Finance
import Foundation
import Testing
import TriadEvents

/// Finance's figures under every attribution model: each credit adds exactly its revenue and basis
/// points to its campaign's account, an order counts once, ROI and ROAS follow today's formulas per
/// model, and last touch's figures stay today's `revenue` and `conversions`.
@Suite struct ModelCreditsTests {
    let ledger = FinanceLedger(policy: BudgetPolicy(quarterlyEnvelope: Currency.euro.money(1_000_000), hurdleBps: 1000))
    var store = FinanceState()

    func credit(_ id: String, _ bps: Int64, _ revenue: Int64) -> CampaignCredit {
        CampaignCredit(campaignId: id, bps: bps, revenue: Currency.euro.money(revenue))
    }

    /// A 10.01 EUR order touched by c-a then c-b: last touch c-b, first touch c-a, linear 60/40
    /// (as if c-a touched three times of five), time decay 30/70, position-based half each.
    func sharedOrder(_ order: String = "o-1") -> DomainEvent {
        .conversionAttributed(
            ConversionAttributed(
                campaignId: "c-b", orderId: order, customerId: "u", revenue: Currency.euro.money(1001),
                occurredAt: Timestamp(millisecondsSinceEpoch: 0),
                credits: [
                    .lastTouch: [credit("c-b", 10_000, 1001)], .firstTouch: [credit("c-a", 10_000, 1001)],
                    .linear: [credit("c-a", 6000, 601), credit("c-b", 4000, 400)],
                    .timeDecay: [credit("c-a", 3000, 300), credit("c-b", 7000, 701)],
                    .positionBased: [credit("c-a", 5000, 500), credit("c-b", 5000, 501)],
                ]))
    }

    func spend(_ id: String, _ amount: Int64) -> DomainEvent {
        .adSpendReported(AdSpendReported(campaignId: id, amount: Currency.euro.money(amount)))
    }

    @Test mutating func eachModelsCreditAddsExactlyItsRevenueAndBasisPoints() throws {
        #expect(try ledger.apply(sharedOrder(), to: &store).isEmpty)
        let a = try #require(store.account("c-a"))
        let b = try #require(store.account("c-b"))
        #expect(
            a.credited == [
                .firstTouch: CreditedFigures(revenueMinor: 1001, conversionsBps: 10_000),
                .linear: CreditedFigures(revenueMinor: 601, conversionsBps: 6000),
                .timeDecay: CreditedFigures(revenueMinor: 300, conversionsBps: 3000),
                .positionBased: CreditedFigures(revenueMinor: 500, conversionsBps: 5000),
            ])
        #expect(
            b.credited == [
                .lastTouch: CreditedFigures(revenueMinor: 1001, conversionsBps: 10_000),
                .linear: CreditedFigures(revenueMinor: 400, conversionsBps: 4000),
                .timeDecay: CreditedFigures(revenueMinor: 701, conversionsBps: 7000),
                .positionBased: CreditedFigures(revenueMinor: 501, conversionsBps: 5000),
            ])
        // Last touch's figures are today's; c-a, never last touch, still has an account.
        #expect(b.revenueMinor == 1001 && b.conversions == 1)
        #expect(a.revenueMinor == 0 && a.conversions == 0)
        #expect(store.changedCredits == ["c-a".utf8Key, "c-b".utf8Key])

        _ = try ledger.apply(sharedOrder("o-2"), to: &store)
        #expect(store.account("c-a")?.credited[.linear] == CreditedFigures(revenueMinor: 1202, conversionsBps: 12_000))
        #expect(
            store.account("c-b")?.credited[.lastTouch] == CreditedFigures(revenueMinor: 2002, conversionsBps: 20_000))
        #expect(store.account("c-b")?.revenueMinor == 2002 && store.account("c-b")?.conversions == 2)
    }

    @Test mutating func roiAndRoasPerModelFollowTodaysFormulas() throws {
        _ = try ledger.apply(spend("c-a", 500), to: &store)
        _ = try ledger.apply(spend("c-b", 1000), to: &store)
        _ = try ledger.apply(sharedOrder(), to: &store)
        let a = try #require(store.account("c-a")?.roiReport(currency: "EUR"))
        let b = try #require(store.account("c-b")?.roiReport(currency: "EUR"))
        func figures(_ report: RoiReported, _ model: AttributionModel) -> [Int64?] {
            let figures = report.byModel?[model]
            return [figures?.revenue.amountMinor, figures?.conversionsBps, figures?.roiBps, figures?.roasBps]
        }
        #expect(a.byModel?.count == 5 && b.byModel?.count == 5)
        // c-a spent 5.00: ROI = floor((revenue − 500) × 10000 / 500), ROAS = floor(revenue × 10000 / 500).
        #expect(figures(a, .lastTouch) == [0, 0, -10_000, 0])
        #expect(figures(a, .firstTouch) == [1001, 10_000, 10_020, 20_020])
        #expect(figures(a, .linear) == [601, 6000, 2020, 12_020])
        #expect(figures(a, .timeDecay) == [300, 3000, -4000, 6000])
        #expect(figures(a, .positionBased) == [500, 5000, 0, 10_000])
        // c-b spent 10.00.
        #expect(figures(b, .lastTouch) == [1001, 10_000, 10, 10_010])
        #expect(figures(b, .firstTouch) == [0, 0, -10_000, 0])
        #expect(figures(b, .linear) == [400, 4000, -6000, 4000])
        #expect(figures(b, .timeDecay) == [701, 7000, -2990, 7010])
        #expect(figures(b, .positionBased) == [501, 5000, -4990, 5010])
        // Last touch's per-model figures are the report's own.
        #expect(b.revenue.amountMinor == 1001 && b.conversions == 1 && b.roiBps == 10 && b.roasBps == 10_010)
    }

    @Test mutating func aReplayedOrderChangesNothing() throws {
        _ = try ledger.apply(sharedOrder(), to: &store)
        let before = [store.account("c-a"), store.account("c-b")]
        #expect(try ledger.apply(sharedOrder(), to: &store).isEmpty)
        #expect([store.account("c-a"), store.account("c-b")] == before)
        // The same order again, crediting another campaign, is still the same order.
        let other = ConversionAttributed(
            campaignId: "c-c", orderId: "o-1", customerId: "u", revenue: Currency.euro.money(5),
            occurredAt: Timestamp(millisecondsSinceEpoch: 0))
        _ = try ledger.apply(.conversionAttributed(other), to: &store)
        #expect(store.account("c-c") == nil)
        #expect(store.newOrders == ["o-1"])
    }

    @Test mutating func aVersionOneConversionCreditsItsCampaignWhollyUnderEveryModel() throws {
        let v1 =
            #"{"campaignId":"c-1","orderId":"o-1","customerId":"u-1","revenue":{"amountMinor":4999,"currency":"EUR"},"occurredAt":"2026-10-05T10:00:00Z"}"#
        let decoded = try JSONDecoder().decode(ConversionAttributed.self, from: Data(v1.utf8))
        let event = DomainEvent.conversionAttributed(decoded).upcast(fromVersion: 1)
        _ = try ledger.apply(event, to: &store)
        let account = try #require(store.account("c-1"))
        let whole = CreditedFigures(revenueMinor: 4999, conversionsBps: 10_000)
        #expect(account.credited == Dictionary(uniqueKeysWithValues: AttributionModel.allCases.map { ($0, whole) }))
        #expect(account.revenueMinor == 4999 && account.conversions == 1)
        #expect(store.changedCredits == ["c-1".utf8Key])
    }

    @Test mutating func aCreditPastSixtyFourBitsIsRefusedByNameAndChangesNothing() throws {
        var first = ConversionAttributed(
            campaignId: "c-b", orderId: "o-1", customerId: "u", revenue: Currency.euro.money(Int64.max - 10),
            occurredAt: Timestamp(millisecondsSinceEpoch: 0))
        first.credits[.linear] = [credit("c-a", 5000, 10), credit("c-b", 5000, Int64.max - 20)]
        _ = try ledger.apply(.conversionAttributed(first), to: &store)
        var second = first
        second.orderId = "o-2"
        second.campaignId = "c-c"
        second.revenue = Currency.euro.money(21)
        second.credits = ConversionAttributed.whole("c-c", Currency.euro.money(21))
        second.credits[.linear] = [credit("c-b", 10_000, 21)]
        let before = store.account("c-b")
        #expect {
            try ledger.apply(.conversionAttributed(second), to: &store)
        } throws: { error in
            let rejection = error as? EventRejection
            return rejection?.code == .totalOverflow && rejection?.field == "credits.linear[0].revenue.amountMinor"
        }
        #expect(store.account("c-b") == before)
        #expect(store.account("c-c") == nil)
        #expect(store.newOrders == ["o-1"])
    }

    @Test mutating func aCampaignIsReportedAgainWhenAnyModelsFiguresChange() throws {
        _ = try ledger.apply(spend("c-a", 500), to: &store)
        let reported = try #require(store.account("c-a")?.roiReport(currency: "EUR"))
        #expect(ledger.roiReports(accounts: [store.account("c-a")!], lastReported: ["c-a".utf8Key: reported]) == [])
        // c-b is last touch: c-a's spend, revenue and conversions stay, its other models' figures change.
        _ = try ledger.apply(sharedOrder(), to: &store)
        let account = try #require(store.account("c-a"))
        #expect(account.revenueMinor == 0 && account.spentMinor == 500)
        let again = ledger.roiReports(accounts: [account], lastReported: ["c-a".utf8Key: reported])
        #expect(again.map(\.campaignId) == ["c-a"])
        #expect(again.first?.byModel?[.linear]?.revenue.amountMinor == 601)
        // An account with nothing to say under any model is not reported.
        #expect(ledger.roiReports(accounts: [CampaignAccount(campaignId: "c-none")], lastReported: [:]) == [])
    }

    @Test func aConversionTouchesEveryCreditedCampaign() {
        #expect(FinanceLedger.campaignIds(touchedBy: spend("c-x", 1)) == ["c-x"])
        #expect(Set(FinanceLedger.campaignIds(touchedBy: sharedOrder())) == ["c-a", "c-b"])
    }
}
