import Foundation
import Testing
import TriadEvents
import TriadKafka
import TriadWire

@Suite struct EventCodecTests {
    let codec = EventCodec(rules: ValidationRules(currency: .euro), maxValueBytes: 4096)
    let eur = Currency.euro

    var samples: [DomainEvent] {
        let t = Timestamp(iso8601: "2026-10-06T10:00:00Z")!
        return [
            .campaignPlanned(
                CampaignPlanned(
                    campaignId: "c1", name: "Search", channel: .search, segment: "loyal",
                    requestedBudget: eur.money(100),
                    startDate: CalendarDate("2026-10-01")!, endDate: CalendarDate("2026-12-31")!, targetRoiBps: 2000)),
            .campaignLaunched(CampaignLaunched(campaignId: "c1")),
            .campaignPaused(CampaignPaused(campaignId: "c1", reason: "budget-exceeded")),
            .campaignResumed(CampaignResumed(campaignId: "c1")),
            .campaignCompleted(CampaignCompleted(campaignId: "c1")),
            .budgetApproved(
                BudgetApproved(
                    campaignId: "c1", approvedBudget: eur.money(100), quarter: Quarter(year: 2026, number: 4))),
            .budgetRejected(
                BudgetRejected(
                    campaignId: "c1", reason: .insufficientEnvelope, requestedBudget: eur.money(100),
                    quarter: Quarter(year: 2026, number: 4))),
            .budgetExceeded(BudgetExceeded(campaignId: "c1", approvedBudget: eur.money(100), spend: eur.total(101))),
            .envelopeChanged(
                EnvelopeChanged(
                    quarter: Quarter(year: 2026, number: 4), envelope: eur.money(1_000_000),
                    reserved: eur.total(400_000),
                    released: eur.total(0), revision: 3)),
            .roiReported(RoiReported(campaignId: "c1", spend: eur.total(3), revenue: eur.total(2), conversions: 1)),
            .roiReported(
                RoiReported(
                    campaignId: "c1", spend: eur.total(3), revenue: eur.total(2), conversions: 1,
                    byModel: [
                        .lastTouch: ModelReturn(revenue: eur.total(2), conversionsBps: 10_000, spendMinor: 300),
                        .linear: ModelReturn(revenue: eur.total(1), conversionsBps: 5_000, spendMinor: 300),
                    ])),
            .adSpendReported(AdSpendReported(campaignId: "c1", amount: eur.money(5), occurredAt: t, platform: "ads")),
            .customerInteraction(
                CustomerInteraction(
                    customerId: "u1", kind: .purchase, occurredAt: t, campaignId: "c1", channel: .email,
                    segment: "loyal",
                    orderId: "o1", revenue: eur.money(7))),
            .conversionAttributed(
                ConversionAttributed(
                    campaignId: "c1", orderId: "o1", customerId: "u1", revenue: eur.money(7), occurredAt: t)),
            .campaignPerformanceReported(
                CampaignPerformanceReported(
                    campaignId: "c1", impressions: 1, clicks: 2, visits: 3, signups: 4, purchases: 5,
                    revenue: eur.total(6))),
            .churnRiskDetected(
                ChurnRiskDetected(
                    customerId: "u1", segment: "young", reason: .inactive, lastActivityAt: t, detectedAt: t)),
            .churnRiskCleared(ChurnRiskCleared(customerId: "u1", segment: "young", activity: .purchase, clearedAt: t)),
            .churnRiskSegmentChanged(
                ChurnRiskSegmentChanged(customerId: "u1", previousSegment: "young", segment: "loyal", changedAt: t)),
            .attributionMarkovComputed(
                AttributionMarkovComputed(
                    computedAt: t, from: Timestamp(iso8601: "2026-09-06T10:00:00Z")!, to: t, journeys: 3,
                    conversions: 2,
                    shares: [CampaignShare(campaignId: "c1", bps: 6_667), CampaignShare(campaignId: "c2", bps: 3_333)],
                    ruleShares: [.lastTouch: [CampaignShare(campaignId: "c1", bps: 10_000)]])),
            .budgetApproved(
                BudgetApproved(
                    campaignId: "c1", approvedBudget: eur.money(100), quarter: Quarter(year: 2026, number: 4),
                    projectedRevenue: eur.money(250), projectedRoiBps: 15_000, projectionReason: .curve)),
            .budgetRejected(
                BudgetRejected(
                    campaignId: "c1", reason: .targetRoiBelowHurdle, requestedBudget: eur.money(100),
                    quarter: Quarter(year: 2026, number: 4), projectionReason: .notEnoughHistory)),
            .roiReported(
                RoiReported(
                    campaignId: "c1", spend: eur.total(300), revenue: eur.total(900), conversions: 2, newCustomers: 1)),
            .reallocationProposed(
                ReallocationProposed(
                    quarter: Quarter(year: 2027, number: 1), model: .linear, envelope: eur.money(1_000),
                    channels: [
                        ChannelAllocation(
                            channel: .search, currentShareBps: 6_000, current: eur.money(600), proposed: eur.money(700),
                            expectedRevenueCurrent: eur.money(900), expectedRevenueProposed: eur.money(1_000),
                            marginalRoasBps: 11_000, reason: .gains),
                        ChannelAllocation(
                            channel: .email, currentShareBps: 4_000, current: eur.money(400), proposed: eur.money(300),
                            expectedRevenueCurrent: nil, expectedRevenueProposed: nil, marginalRoasBps: nil,
                            reason: .notEnoughHistory),
                    ], revision: 2)),
            .customerAcquired(CustomerAcquired(customerId: "u1", orderId: "o1", campaignId: "c1", occurredAt: t)),
            .customerAcquired(CustomerAcquired(customerId: "u2", orderId: "o2", campaignId: nil, occurredAt: t)),
            .acquisitionReported(
                AcquisitionReported(
                    quarter: Quarter(year: 2026, number: 4), spend: eur.total(1_200), revenue: eur.total(3_000),
                    orders: 8, newCustomers: 5, revision: 1)),
        ]
    }

    @Test func everyEventTypeRoundTripsInStructuredMode() throws {
        #expect(Set(samples.map(\.type)) == Set(EventType.allCases))
        for event in samples {
            let outgoing = OutgoingEvent(
                id: "e-\(event.type.rawValue)", source: event.type.requiredSource ?? "/test",
                time: Timestamp(millisecondsSinceEpoch: 1_000),
                event: event, correlationId: "corr", causationId: "cause", traceparent: "00-abc-def-01")
            let (value, headers) = try codec.encode(outgoing)
            #expect(headers.first?.name == "content-type")
            let received = try codec.decode(value: value, headers: headers, topic: event.type.topic.name)
            #expect(received.event == event)
            #expect(received.envelope.id == outgoing.id)
            #expect(received.envelope.subject == event.payload.subject)
            #expect(received.envelope.correlationId == "corr")
            #expect(received.envelope.causationId == "cause")
            #expect(received.envelope.traceparent == "00-abc-def-01")
            #expect(received.envelope.schemaVersion == event.type.currentVersion)
        }
    }

    @Test func structuredModeWritesTheCloudEventsAttributes() throws {
        let outgoing = OutgoingEvent(
            id: "e1", source: "/triad/finance", time: Timestamp(millisecondsSinceEpoch: 0),
            event: .campaignLaunched(CampaignLaunched(campaignId: "c1")))
        let json = try JSONSerialization.jsonObject(with: Data(try codec.encode(outgoing).value)) as! [String: Any]
        #expect(json["specversion"] as? String == "1.0")
        #expect(json["type"] as? String == "triad.campaign.launched")
        #expect(json["subject"] as? String == "c1")
        #expect(json["datacontenttype"] as? String == "application/json")
        #expect(json["time"] as? String == "1970-01-01T00:00:00.000Z")
        #expect(json["schemaversion"] as? Int == 1)
        #expect((json["data"] as? [String: Any])?["campaignId"] as? String == "c1")
    }

    @Test func binaryModeIsAccepted() throws {
        let data =
            #"{"customerId":"u9","kind":"click","occurredAt":"2026-10-01T00:00:00Z","campaignId":"c1","extra":"ignored"}"#
        let headers: [KafkaHeader] = [
            KafkaHeader("ce_specversion", "1.0"), KafkaHeader("ce_id", "b1"), KafkaHeader("ce_source", "/crm"),
            KafkaHeader("ce_type", "triad.customer.interaction"), KafkaHeader("ce_schemaversion", "1"),
            KafkaHeader("ce_subject", "u9"), KafkaHeader("content-type", "application/json"),
        ]
        let received = try codec.decode(value: Array(data.utf8), headers: headers, topic: "customer.interactions")
        guard case .customerInteraction(let interaction) = received.event else {
            Issue.record("wrong event \(received.event)")
            return
        }
        #expect(interaction.customerId == "u9")
        #expect(interaction.kind == .click)
        #expect(interaction.campaignId == "c1")
        #expect(received.envelope.source == "/crm")
    }

    @Test func unknownFieldsAreIgnored() throws {
        let line = structured(
            type: "triad.campaign.launched", data: #"{"campaignId":"c1","futureField":{"x":1}}"#,
            extra: #","newattr":"x""#)
        let received = try codec.decode(value: Array(line.utf8), headers: [], topic: "marketing.campaigns")
        #expect(received.event == .campaignLaunched(CampaignLaunched(campaignId: "c1")))
    }

    // MARK: Rejections

    func rejection(_ value: String, headers: [KafkaHeader] = [], topic: String? = nil) -> EventRejection? {
        do {
            _ = try codec.decode(value: Array(value.utf8), headers: headers, topic: topic)
            return nil
        } catch {
            return error
        }
    }

    func structured(
        type: String, data: String, version: String = "1", subject: String? = nil, extra: String = "",
        spec: String = "1.0"
    ) -> String {
        let subjectField = subject.map { #","subject":"\#($0)""# } ?? ""
        return
            #"{"specversion":"\#(spec)","id":"x1","source":"/triad/marketing","type":"\#(type)","schemaversion":\#(version)\#(subjectField)\#(extra),"data":\#(data)}"#
    }

    @Test func malformedJsonIsRefused() {
        #expect(rejection("{not json")?.code == .malformedEvent)
        #expect(rejection("[1,2]")?.code == .malformedEvent)
        #expect(rejection("")?.code == .malformedEvent)
    }

    @Test func oversizedValuesAreRefusedBeforeParsing() {
        let big = String(repeating: "x", count: 5000)
        let found = rejection(big)
        #expect(found?.code == .malformedEvent)
        #expect(found?.reason.contains("4096-byte limit") == true)
    }

    @Test func missingAttributesAreNamed() {
        let noId =
            #"{"specversion":"1.0","source":"/t","type":"triad.campaign.launched","schemaversion":1,"data":{"campaignId":"c"}}"#
        #expect(rejection(noId) == EventRejection(.missingAttribute, field: "id", "is required"))
        let noVersion =
            #"{"specversion":"1.0","id":"i","source":"/t","type":"triad.campaign.launched","data":{"campaignId":"c"}}"#
        #expect(rejection(noVersion) == EventRejection(.missingAttribute, field: "schemaversion", "is required"))
        let noData = #"{"specversion":"1.0","id":"i","source":"/t","type":"triad.campaign.launched","schemaversion":1}"#
        #expect(rejection(noData) == EventRejection(.missingAttribute, field: "data", "is required"))
    }

    @Test func otherSpecVersionsAreRefused() {
        let line = structured(type: "triad.campaign.launched", data: #"{"campaignId":"c"}"#, spec: "0.3")
        #expect(rejection(line)?.code == .unsupportedSpecVersion)
    }

    @Test func unknownTypesAreRefused() {
        let found = rejection(structured(type: "triad.campaign.teleported", data: "{}"))
        #expect(found?.code == .unknownType)
        #expect(found?.field == "type")
    }

    @Test func eventsOnTheWrongTopicAreRefused() {
        let line = structured(type: "triad.campaign.launched", data: #"{"campaignId":"c"}"#)
        #expect(rejection(line, topic: "ads.spend")?.code == .wrongTopic)
    }

    @Test func newerSchemaVersionsAreRefusedWithTheReason() {
        let found = rejection(structured(type: "triad.campaign.launched", data: #"{"campaignId":"c"}"#, version: "2"))
        #expect(found?.code == .unsupportedSchemaVersion)
        #expect(
            found?.description
                == "unsupported-schema-version: schemaversion: triad.campaign.launched version 2 is newer than the known version 1"
        )
        #expect(
            rejection(structured(type: "triad.campaign.launched", data: #"{"campaignId":"c"}"#, version: "0"))?.code
                == .invalidData)
    }

    /// An ad-spend report's `data` that is missing a field, has a wrong type or a negative amount:
    /// the rejection names the field.
    @Test(arguments: [
        (#"{"campaignId":"c1"}"#, "data.amount", "is required"),
        (#"{"campaignId":"c1","amount":{"currency":"EUR"}}"#, "data.amount.amountMinor", "is required"),
        (
            #"{"campaignId":"c1","amount":{"amountMinor":"12","currency":"EUR"}}"#, "data.amount.amountMinor",
            "must be an integer"
        ),
        (
            #"{"campaignId":"c1","amount":{"amountMinor":-5,"currency":"EUR"}}"#, "data.amount.amountMinor",
            "must not be negative"
        ),
    ])
    func badDataFieldsAreNamed(data: String, field: String, reason: String) {
        let found = rejection(structured(type: "triad.ad-spend.reported", data: data))
        #expect(found == EventRejection(.invalidData, field: field, reason))
    }

    @Test func otherCurrenciesAreRefused() {
        let found = rejection(
            structured(
                type: "triad.ad-spend.reported",
                data: #"{"campaignId":"c1","amount":{"amountMinor":5,"currency":"USD"}}"#))
        #expect(found?.code == .wrongCurrency)
        #expect(found?.field == "data.amount.currency")
    }

    @Test func purchasesNeedAnOrderAndRevenue() {
        let noOrder = rejection(
            structured(
                type: "triad.customer.interaction",
                data:
                    #"{"customerId":"u1","kind":"purchase","occurredAt":"2026-10-01T00:00:00Z","revenue":{"amountMinor":5,"currency":"EUR"}}"#
            ))
        #expect(noOrder == EventRejection(.invalidData, field: "data.orderId", "is required for a purchase"))
        let noRevenue = rejection(
            structured(
                type: "triad.customer.interaction",
                data: #"{"customerId":"u1","kind":"purchase","occurredAt":"2026-10-01T00:00:00Z","orderId":"o1"}"#))
        #expect(noRevenue == EventRejection(.invalidData, field: "data.revenue", "is required for a purchase"))
    }

    @Test func badValuesAreNamed() {
        let kind = rejection(
            structured(
                type: "triad.customer.interaction",
                data: #"{"customerId":"u1","kind":"teleport","occurredAt":"2026-10-01T00:00:00Z"}"#))
        #expect(kind?.field == "data.kind")
        let time = rejection(
            structured(
                type: "triad.customer.interaction",
                data: #"{"customerId":"u1","kind":"click","occurredAt":"last week"}"#))
        #expect(time?.field == "data.occurredAt")
        let empty = rejection(structured(type: "triad.campaign.launched", data: #"{"campaignId":"  "}"#))
        #expect(empty == EventRejection(.invalidData, field: "data.campaignId", "must not be empty"))
    }

    @Test func subjectMustMatchTheAggregateId() {
        let found = rejection(structured(type: "triad.campaign.launched", data: #"{"campaignId":"c1"}"#, subject: "c2"))
        #expect(found?.code == .invalidData)
        #expect(found?.field == "subject")
    }

    @Test func campaignDatesMustBeInOrder() {
        let data =
            #"{"campaignId":"c1","name":"n","channel":"email","segment":"s","requestedBudget":{"amountMinor":5,"currency":"EUR"},"startDate":"2026-10-02","endDate":"2026-10-01","targetRoiBps":0}"#
        #expect(rejection(structured(type: "triad.campaign.planned", data: data))?.field == "data.endDate")
    }

    @Test func binaryModeNamesMissingHeaders() {
        let headers: [KafkaHeader] = [KafkaHeader("ce_specversion", "1.0"), KafkaHeader("ce_id", "b1")]
        let found = rejection(#"{"campaignId":"c1"}"#, headers: headers)
        #expect(found == EventRejection(.missingAttribute, field: "header ce_source", "is required"))
    }

    @Test func everyRejectionCodeIsCovered() {
        // The codes the codec produces; rule-violation and total-overflow come from the services' domain rules.
        let produced: Set<EventRejection.Code> = [
            .malformedEvent, .missingAttribute, .unsupportedSpecVersion, .unknownType, .wrongTopic,
            .unsupportedSchemaVersion, .invalidData, .wrongCurrency, .wrongSource,
        ]
        #expect(
            produced.union([.ruleViolation, .totalOverflow, .unreadableState]) == Set(EventRejection.Code.allCases))
    }
}

@Suite struct TopicCatalogTests {
    @Test func everyEventTypeHasOneTopicAndEveryTopicHasTypes() {
        for topic in Topic.allCases { #expect(!topic.eventTypes.isEmpty, "\(topic.name)") }
        #expect(Topic.allCases.flatMap(\.eventTypes).count == EventType.allCases.count)
    }

    @Test func topicNamesMatchTheBrief() {
        #expect(
            Topic.allNames == [
                "marketing.campaigns", "finance.budget-decisions", "finance.roi", "ads.spend", "customer.interactions",
                "it.attributions", "it.insights", "marketing.dead-letter", "finance.dead-letter", "it.dead-letter",
            ])
    }
}
