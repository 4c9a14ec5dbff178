import Foundation
import Testing
import TriadEvents
import TriadWire

/// The reallocation and acquisition shapes: their derived figures, the rules that refuse them naming
/// the field, and older events without the fields issue 26 added.
@Suite struct AcquisitionEventTests {
    let eur = Currency.euro
    let rules = ValidationRules(currency: .euro)
    let quarter = Quarter(year: 2026, number: 4)

    func refusal(_ payload: some EventPayload) -> EventRejection? {
        do {
            try payload.validate(rules)
            return nil
        } catch {
            return error
        }
    }

    func line(
        _ channel: Channel, shareBps: Int64 = 5_000, proposed: Int64 = 500, roas: Int64? = 10_000
    ) -> ChannelAllocation {
        ChannelAllocation(
            channel: channel, currentShareBps: shareBps, current: eur.money(500), proposed: eur.money(proposed),
            expectedRevenueCurrent: eur.money(800), expectedRevenueProposed: eur.money(800), marginalRoasBps: roas,
            reason: .gains)
    }

    func proposal(_ channels: [ChannelAllocation], revision: Int64 = 1) -> ReallocationProposed {
        ReallocationProposed(
            quarter: quarter, model: .lastTouch, envelope: eur.money(1_000), channels: channels, revision: revision)
    }

    @Test func acquisitionFiguresAreFlooredAndAbsentWithoutADivisor() {
        let report = AcquisitionReported(
            quarter: quarter, spend: eur.total(1_000_001), revenue: eur.total(2_500_000), orders: 7, newCustomers: 3,
            revision: 1)
        #expect(report.cacMinor == 333_333)
        #expect(report.costPerOrderMinor == 142_857)
        // 2,500,000 × 10000 / 1,000,001 = 24999.975…
        #expect(report.merBps == 24_999)
        #expect(report.subject == "2026-Q4")
        let empty = AcquisitionReported(
            quarter: quarter, spend: eur.total(0), revenue: eur.total(0), orders: 0, newCustomers: 0, revision: 1)
        #expect(empty.cacMinor == nil)
        #expect(empty.costPerOrderMinor == nil)
        #expect(empty.merBps == nil)
    }

    @Test func roiReportsCacPerNewCustomerBesideCostPerOrder() {
        let report = RoiReported(
            campaignId: "c1", spend: eur.total(300_000), revenue: eur.total(900_000), conversions: 2, newCustomers: 1)
        #expect(report.cacMinor == 300_000)
        #expect(report.costPerOrderMinor == 150_000)
        let none = RoiReported(
            campaignId: "c1", spend: eur.total(300_000), revenue: eur.total(0), conversions: 2, newCustomers: 0)
        #expect(none.cacMinor == nil)
        #expect(none.costPerOrderMinor == 150_000)
        let unknown = RoiReported(campaignId: "c1", spend: eur.total(300_000), revenue: eur.total(0), conversions: 2)
        #expect(unknown.cacMinor == nil)
        #expect(unknown.newCustomers == nil)
    }

    @Test func badAcquisitionFiguresAreNamed() {
        func report(orders: Int64 = 1, newCustomers: Int64 = 1, revision: Int64 = 1) -> AcquisitionReported {
            AcquisitionReported(
                quarter: quarter, spend: eur.total(1), revenue: eur.total(1), orders: orders,
                newCustomers: newCustomers, revision: revision)
        }
        #expect(refusal(report()) == nil)
        #expect(refusal(report(orders: -1)) == EventRejection(.invalidData, field: "orders", "must not be negative"))
        #expect(
            refusal(report(newCustomers: -1))
                == EventRejection(.invalidData, field: "newCustomers", "must not be negative"))
        #expect(
            refusal(report(revision: 0)) == EventRejection(.invalidData, field: "revision", "must be 1 or more, got 0"))
        #expect(
            refusal(report(revision: EnvelopeChanged.maximumRevision + 1))
                == EventRejection(.invalidData, field: "revision", "must be 2147483647 or less, got 2147483648"))
        var roi = RoiReported(campaignId: "c1", spend: eur.total(1), revenue: eur.total(1), conversions: 1)
        roi.newCustomers = -2
        #expect(refusal(roi) == EventRejection(.invalidData, field: "newCustomers", "must not be negative"))
    }

    @Test func badProposalsAreNamed() {
        #expect(refusal(proposal([line(.search), line(.email)])) == nil)
        #expect(
            refusal(proposal([line(.email), line(.search)]))
                == EventRejection(
                    .invalidData, field: "channels[1].channel",
                    "must come after the one before (channel order, no repeats)"))
        #expect(refusal(proposal([line(.search), line(.search)]))?.field == "channels[1].channel")
        #expect(
            refusal(proposal([line(.search, shareBps: 10_001)]))
                == EventRejection(
                    .invalidData, field: "channels[0].currentShareBps", "must be 10000 or less, got 10001"))
        #expect(
            refusal(proposal([line(.search, proposed: -1)]))
                == EventRejection(.invalidData, field: "channels[0].proposed.amountMinor", "must not be negative"))
        #expect(
            refusal(proposal([line(.search, roas: -1)]))
                == EventRejection(.invalidData, field: "channels[0].marginalRoasBps", "must not be negative"))
        #expect(
            refusal(proposal([], revision: 0))
                == EventRejection(.invalidData, field: "revision", "must be 1 or more, got 0"))
        var wrongCurrency = proposal([])
        wrongCurrency.envelope = Money(amountMinor: 1, currency: "USD")
        #expect(refusal(wrongCurrency)?.field == "envelope.currency")
    }

    @Test func badAcquisitionsAreNamed() {
        let t = Timestamp(millisecondsSinceEpoch: 0)
        #expect(refusal(CustomerAcquired(customerId: "u1", orderId: "o1", campaignId: nil, occurredAt: t)) == nil)
        #expect(
            refusal(CustomerAcquired(customerId: " ", orderId: "o1", campaignId: nil, occurredAt: t))
                == EventRejection(.invalidData, field: "customerId", "must not be empty"))
        #expect(
            refusal(CustomerAcquired(customerId: "u1", orderId: "", campaignId: nil, occurredAt: t))
                == EventRejection(.invalidData, field: "orderId", "must not be empty"))
        #expect(
            refusal(CustomerAcquired(customerId: "u1", orderId: "o1", campaignId: "", occurredAt: t))
                == EventRejection(.invalidData, field: "campaignId", "must not be empty"))
    }

    @Test func aCurveProjectionNamesBothFigures() {
        func approved(_ revenue: Money?, _ roi: Int64?, _ reason: ProjectionReason?) -> BudgetApproved {
            BudgetApproved(
                campaignId: "c1", approvedBudget: eur.money(100), quarter: quarter, projectedRevenue: revenue,
                projectedRoiBps: roi, projectionReason: reason)
        }
        #expect(refusal(approved(eur.money(250), 15_000, .curve)) == nil)
        #expect(refusal(approved(nil, nil, .notEnoughHistory)) == nil)
        #expect(refusal(approved(nil, nil, nil)) == nil)
        #expect(
            refusal(approved(nil, 15_000, .curve))
                == EventRejection(.invalidData, field: "projectedRevenue", "is required for a curve"))
        #expect(
            refusal(approved(eur.money(250), nil, .curve))
                == EventRejection(.invalidData, field: "projectedRoiBps", "is required for a curve"))
        #expect(
            refusal(approved(eur.money(250), -10_001, .curve))
                == EventRejection(.invalidData, field: "projectedRoiBps", "must be -10000 or more, got -10001"))
        let rejected = BudgetRejected(
            campaignId: "c1", reason: .insufficientEnvelope, requestedBudget: eur.money(100), quarter: quarter,
            projectedRevenue: Money(amountMinor: -1, currency: "EUR"), projectedRoiBps: 0, projectionReason: .curve)
        #expect(
            refusal(rejected)
                == EventRejection(.invalidData, field: "projectedRevenue.amountMinor", "must not be negative"))
    }

    /// Events from before issue 26 read with the new fields absent: a decision without a projection,
    /// an ROI report whose cacMinor was still spend / conversions.
    @Test func olderEventsReadWithoutTheNewFields() throws {
        let codec = EventCodec(rules: rules)
        func decode(_ type: EventType, subject: String, _ data: String) throws -> DomainEvent {
            let value =
                #"{"specversion":"1.0","id":"x1","source":"/triad/finance","type":"\#(type.rawValue)","#
                + #""schemaversion":1,"subject":"\#(subject)","data":\#(data)}"#
            return try codec.decode(value: Array(value.utf8), headers: [], topic: type.topic.name).event
        }
        let approved = try decode(
            .budgetApproved, subject: "c1",
            #"{"campaignId":"c1","approvedBudget":{"amountMinor":100,"currency":"EUR"},"quarter":"2026-Q4"}"#)
        #expect(
            approved
                == .budgetApproved(BudgetApproved(campaignId: "c1", approvedBudget: eur.money(100), quarter: quarter)))
        let roi = try decode(
            .roiReported, subject: "c1",
            #"{"campaignId":"c1","spend":{"amountMinor":300,"currency":"EUR"},"revenue":{"amountMinor":900,"#
                + #""currency":"EUR"},"conversions":2,"roiBps":20000,"roasBps":30000,"cacMinor":150}"#)
        guard case .roiReported(let report) = roi else {
            Issue.record("not an ROI report: \(roi)")
            return
        }
        #expect(report.cacMinor == 150)
        #expect(report.newCustomers == nil)
        #expect(report.costPerOrderMinor == nil)
    }

    @Test func theNewTypesHaveTheirTopicsAndKeys() {
        #expect(EventType.reallocationProposed.topic == .budgetDecisions)
        #expect(EventType.customerAcquired.topic == .insights)
        #expect(EventType.acquisitionReported.topic == .roi)
        #expect(EventType.customerAcquired.requiredSource == "/triad/it")
        #expect(EventType.reallocationProposed.requiredSource == "/triad/finance")
        #expect(Topic.insights.consumers == [.marketing, .finance])
        #expect(Topic.consumed(by: .finance) == [.marketingCampaigns, .adSpend, .attributions, .insights])
        let t = Timestamp(millisecondsSinceEpoch: 0)
        let acquired = DomainEvent.customerAcquired(
            CustomerAcquired(customerId: "u1", orderId: "o1", campaignId: "c1", occurredAt: t))
        #expect(acquired.payload.subject == "u1")
        #expect(acquired.campaignId == "c1")
        #expect(DomainEvent.reallocationProposed(proposal([])).campaignId == nil)
    }
}
