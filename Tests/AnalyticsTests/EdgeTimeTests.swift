import Analytics
import Foundation
import Testing
import TriadEvents
import TriadKafka
import TriadWire

/// IT at the edges of the timestamp range: windows subtracted below year 1 or thresholds crossing
/// 9999 neither trap nor emit a time that does not parse.
@Suite struct EdgeTimeTests {
    let analytics = Analytics(policy: AnalyticsPolicy(attributionWindowDays: 30, inactivityDays: 3650, currency: "EUR"))

    func interaction(_ kind: InteractionKind, _ time: Timestamp, campaign: String? = nil, order: String? = nil)
        -> DomainEvent
    {
        .customerInteraction(
            CustomerInteraction(
                customerId: "u", kind: kind, occurredAt: time, campaignId: campaign, orderId: order,
                revenue: order.map { _ in Currency.euro.money(100) }))
    }

    /// Every time an emitted event carries, written as JSON, parses back to the same instant.
    func expectTimesRoundTrip(_ events: [DomainEvent]) throws {
        let codec = EventCodec(rules: ValidationRules(currency: .euro))
        for event in events {
            let outgoing = OutgoingEvent(id: "e", source: "/triad/it", time: Timestamp.latest, event: event)
            let (value, headers) = try codec.encode(outgoing)
            #expect(try codec.decode(value: value, headers: headers, topic: event.type.topic.name).event == event)
        }
    }

    @Test func nearYearOne() throws {
        var state = AnalyticsState()
        let start = Timestamp.earliest
        var events = try analytics.apply(interaction(.click, start, campaign: "c"), to: &state)
        // The purchase's window reaches below year 1: the touch at the very first instant counts.
        events += try analytics.apply(interaction(.purchase, start.adding(milliseconds: 1000), order: "o1"), to: &state)
        #expect(events.contains { if case .conversionAttributed(let c) = $0 { c.campaignId == "c" } else { false } })
        // The inactivity cutoff lies before year 1: nobody is due yet.
        #expect(analytics.inactivityCutoff(clock: start) < Timestamp.earliest)
        #expect(analytics.detectInactivity(on: 0, in: &state).isEmpty)
        try expectTimesRoundTrip(events)
    }

    @Test func nearYear9999() throws {
        var state = AnalyticsState()
        let end = Timestamp.latest
        let bought = end.adding(milliseconds: -3651 * 86_400_000)
        var events = try analytics.apply(interaction(.purchase, bought, campaign: "c", order: "o1"), to: &state)
        // The last instant there is: the buyer has been silent past the threshold, flagged at that instant.
        events += try analytics.apply(interaction(.impression, end, campaign: "c"), to: &state)
        let flagged = events.compactMap { if case .churnRiskDetected(let c) = $0 { c } else { nil } }
        #expect(flagged.map(\.detectedAt) == [end])
        try expectTimesRoundTrip(events)
    }
}
