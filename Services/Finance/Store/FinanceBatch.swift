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
        let campaignIds = (events.map { $0.event.payload.subject } + creditedIds).distinctInByteOrder()
        // A row that does not read back sets aside the events that need it, not the batch.
        var (accounts, unreadable, createdAccounts) = try AccountsTable.lockOrCreate(campaignIds, in: session)

        let countedOrders = try AttributedOrdersTable.recordNew(
            conversions.map(\.orderId).distinctInByteOrder(), in: session)
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

        var state = FinanceState(accounts: accounts, quarters: books, countedOrders: countedOrders)
        let problems = unreadable.problems
        let results = unreadable.apply(events, field: "campaignId", row: { "finance's stored account of \($0)" }) {
            event throws(EventRejection) in
            // `apply` checks the subject's account; a conversion's credits name other accounts too.
            if !problems.isEmpty {
                for id in FinanceLedger.campaignIds(touchedBy: event.event) {
                    guard let problem = problems[id.utf8Key] else { continue }
                    throw EventRejection(
                        .unreadableState, field: "credits",
                        "finance's stored account of \(id) cannot be read: \(problem)")
                }
            }
            return try ledger.apply(event.event, to: &state)
        }
        try AccountsTable.save(state.changedAccountRecords(), in: session)
        try ModelFiguresTable.credited.save(
            state.changedCreditRecords().map { ($0.campaignId, $0.credited) }, in: session)
        try QuartersTable.save(state, in: session)
        // Rows created only to be locked, that no event needed, go again.
        try AccountsTable.delete(createdAccounts.subtracting(state.changedAccounts), in: session)
        try QuartersTable.delete(
            createdQuarters.subtracting(state.changedQuarters.map { $0.description.utf8Key }), in: session)
        return results
    }
}
