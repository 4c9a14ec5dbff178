import Finance
import TriadEvents
import TriadStorage

/// How a batch of events is applied in one transaction: what it touches is loaded (and locked),
/// the ledger applies the events in order, and what changed is written back.
public enum FinanceBatch {
    /// Returns for each event what it emits, or why it was refused.
    public static func apply(_ events: [IncomingEvent], ledger: FinanceLedger, in session: any SQLSession) throws
        -> [Result<[DomainEvent], EventRejection>]
    {
        let conversions = events.compactMap { event -> ConversionAttributed? in
            if case .conversionAttributed(let conversion) = event.event { return conversion }
            return nil
        }
        let creditedIds = conversions.flatMap(FinanceLedger.campaignIds(credited:)).distinctInByteOrder()
        let campaignIds = events.flatMap { FinanceLedger.campaignIds(touchedBy: $0.event) }.distinctInByteOrder()
        // A row that does not read back sets aside the events that need it, not the batch.
        var (accounts, unreadable, createdAccounts) = try AccountsTable.lockOrCreate(campaignIds, in: session)

        let countedOrders = try AttributedOrdersTable.recordNew(
            conversions.map(\.orderId).distinctInByteOrder(), in: session)
        let acquired = events.compactMap { event -> String? in
            if case .customerAcquired(let acquired) = event.event { return acquired.customerId }
            return nil
        }
        let countedCustomers = try AcquiredCustomersTable.recordNew(acquired.distinctInByteOrder(), in: session)
        // The stored figures of the weeks and quarters the batch's events fall in.
        let times = events.compactMap { FinanceLedger.eventTime(of: $0.received) }
        let weeks = try ChannelWeeksTable.stored(Set(times.map(ISOWeek.init(of:))), in: session)
        let quarterFigures = try QuarterFiguresTable.stored(Set(times.map(\.quarter)), in: session)
        // Only conversions change credited figures: the other accounts go without them.
        let credited = try ModelFiguresTable.credited.figures(of: creditedIds, in: session, unreadable: &unreadable)
        for index in accounts.indices {
            accounts[index].credited = credited[accounts[index].campaignId.utf8Key] ?? [:]
        }

        // Plans reserve from their start quarter; completions give back to their account's quarter.
        var quarters = Set(events.compactMap { FinanceLedger.quarter(touchedBy: $0.event) })
        let completed = Set(
            events.compactMap { event -> UTF8Key? in
                if case .campaignCompleted(let c) = event.event { return c.campaignId.utf8Key }
                return nil
            })
        quarters.formUnion(accounts.filter { completed.contains($0.campaignId.utf8Key) }.compactMap(\.quarter))
        let (books, createdQuarters) = try QuartersTable.lockOrCreate(quarters, in: session)

        var state = FinanceState(
            accounts: accounts, quarters: books, countedOrders: countedOrders, countedCustomers: countedCustomers,
            weeks: weeks, quarterFigures: quarterFigures)
        // Plans project their budget on their channel's last-touch curve.
        let plannedChannels = Set(
            events.compactMap { event -> Channel? in
                if case .campaignPlanned(let planned) = event.event { return planned.channel }
                return nil
            })
        if !plannedChannels.isEmpty {
            state.curves = ResponseCurve.curves(
                of: try ChannelWeeksTable.history(model: .lastTouch, in: session).filter {
                    plannedChannels.contains($0.key)
                })
        }
        let problems = unreadable.problems
        let results = unreadable.apply(events, field: "campaignId", row: { "finance's stored account of \($0)" }) {
            event throws(EventRejection) in
            // `apply` checks the subject's account; a conversion's credits and an acquisition name others.
            if !problems.isEmpty {
                for id in FinanceLedger.campaignIds(touchedBy: event.event) {
                    guard let problem = problems[id.utf8Key] else { continue }
                    let field = event.event.type == .customerAcquired ? "campaignId" : "credits"
                    throw EventRejection(
                        .unreadableState, field: field, "finance's stored account of \(id) cannot be read: \(problem)")
                }
            }
            return try ledger.apply(
                event.event, at: event.received.envelope.time, partition: event.partition, to: &state)
        }
        try AccountsTable.save(state.changedAccountRecords(), in: session)
        try ModelFiguresTable.credited.save(
            state.changedCreditRecords().map { ($0.campaignId, $0.credited) }, in: session)
        try QuartersTable.save(state, in: session)
        try ChannelWeeksTable.add(state.weekDeltas, in: session)
        try QuarterFiguresTable.add(state.quarterDeltas, in: session)
        // Rows created only to be locked, that no event needed, go again.
        try AccountsTable.delete(createdAccounts.subtracting(state.changedAccounts), in: session)
        try QuartersTable.delete(
            createdQuarters.subtracting(state.changedQuarters.map { $0.description.utf8Key }), in: session)
        return results
    }
}
