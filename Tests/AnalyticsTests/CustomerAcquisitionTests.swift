import Analytics
import Testing
import TriadEvents

/// `triad.customer.acquired`: once per customer, on the first purchase IT sees, with last touch's
/// campaign of that order (none when organic).
@Suite struct CustomerAcquisitionTests {
    let analytics = Analytics(policy: AnalyticsPolicy(attributionWindowDays: 30, inactivityDays: 60, currency: "EUR"))
    var store = AnalyticsState()
    let t0 = Timestamp(iso8601: "2026-10-01T00:00:00Z")!

    func at(hours: Int64) -> Timestamp { t0.adding(milliseconds: hours * 3_600_000) }

    func purchase(_ customer: String, _ order: String, _ time: Timestamp, revenue: Int64 = 500) -> DomainEvent {
        .customerInteraction(
            CustomerInteraction(
                customerId: customer, kind: .purchase, occurredAt: time, orderId: order,
                revenue: Currency.euro.money(revenue)))
    }

    func click(_ customer: String, _ campaign: String, _ time: Timestamp) -> DomainEvent {
        .customerInteraction(
            CustomerInteraction(customerId: customer, kind: .click, occurredAt: time, campaignId: campaign))
    }

    @Test mutating func theFirstPurchaseAcquiresTheCustomerForItsCampaign() throws {
        #expect(try analytics.apply(click("u", "c-search", at(hours: 0)), to: &store) == [])
        let events = try analytics.apply(purchase("u", "o1", at(hours: 2)), to: &store)
        #expect(
            events == [
                .customerAcquired(
                    CustomerAcquired(customerId: "u", orderId: "o1", campaignId: "c-search", occurredAt: at(hours: 2))),
                // One touch: every model credits it wholly.
                .conversionAttributed(
                    ConversionAttributed(
                        campaignId: "c-search", orderId: "o1", customerId: "u", revenue: Currency.euro.money(500),
                        occurredAt: at(hours: 2))),
            ])
    }

    @Test mutating func aSecondPurchaseDoesNot() throws {
        _ = try analytics.apply(click("u", "c-search", at(hours: 0)), to: &store)
        _ = try analytics.apply(purchase("u", "o1", at(hours: 2)), to: &store)
        _ = try analytics.apply(click("u", "c-social", at(hours: 3)), to: &store)
        let second = try analytics.apply(purchase("u", "o2", at(hours: 4), revenue: 700), to: &store)
        #expect(second.map(\.type) == [.conversionAttributed])
        guard case .conversionAttributed(let conversion)? = second.first else { return }
        #expect(conversion.campaignId == "c-social")
        #expect(conversion.orderId == "o2")
        #expect(store.customer("u")?.purchases == 2)
    }

    @Test mutating func aReplayedFirstPurchaseDoesNot() throws {
        _ = try analytics.apply(click("u", "c-search", at(hours: 0)), to: &store)
        let first = try analytics.apply(purchase("u", "o1", at(hours: 2)), to: &store)
        #expect(first.filter { $0.type == .customerAcquired }.count == 1)
        // The same order again (a redelivery, a replayed batch): nothing is recorded, nothing emitted.
        #expect(try analytics.apply(purchase("u", "o1", at(hours: 2)), to: &store) == [])
        #expect(try analytics.apply(purchase("u", "o1", at(hours: 2)), partition: 3, to: &store) == [])
        #expect(store.customer("u")?.purchases == 1)
    }

    @Test mutating func anOrganicFirstPurchaseAcquiresTheCustomerWithoutACampaign() throws {
        let events = try analytics.apply(purchase("v", "o9", at(hours: 1)), to: &store)
        #expect(
            events == [
                .customerAcquired(
                    CustomerAcquired(customerId: "v", orderId: "o9", campaignId: nil, occurredAt: at(hours: 1)))
            ])
        #expect(store.organic.purchases == 1)
        // Later attributed purchases do not acquire the customer again.
        _ = try analytics.apply(click("v", "c-email", at(hours: 2)), to: &store)
        let later = try analytics.apply(purchase("v", "o10", at(hours: 3)), to: &store)
        #expect(later.map(\.type) == [.conversionAttributed])
    }

    @Test mutating func eachCustomerIsAcquiredOnce() throws {
        var acquired: [CustomerAcquired] = []
        for (customer, order, hour) in [("a", "o1", 1), ("b", "o2", 2), ("a", "o3", 3), ("b", "o4", 4), ("c", "o5", 5)]
        {
            for event in try analytics.apply(purchase(customer, order, at(hours: Int64(hour))), to: &store) {
                if case .customerAcquired(let a) = event { acquired.append(a) }
            }
        }
        #expect(acquired.map(\.customerId) == ["a", "b", "c"])
        #expect(acquired.map(\.orderId) == ["o1", "o2", "o5"])
    }
}
