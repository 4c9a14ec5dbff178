import TriadEvents

/// Finance's rules: budget decisions against the quarterly envelope, the spend ledger, and ROI.
/// Pure and synchronous: it reads and changes a `FinanceState` and returns the events to emit.
public struct FinanceLedger: Sendable {
    public let policy: BudgetPolicy

    public init(policy: BudgetPolicy) { self.policy = policy }

    private var currency: String { policy.quarterlyEnvelope.currency }

    /// Applies one event finance consumes; other event types change nothing. An event that would
    /// take a total past 64 bits is refused before it changes anything.
    public func apply(_ event: DomainEvent, to store: inout FinanceState) throws(EventRejection) -> [DomainEvent] {
        switch event {
        case .campaignPlanned(let planned): try decide(planned, in: &store)
        case .campaignCompleted(let completed): complete(completed.campaignId, in: &store)
        case .adSpendReported(let spend): try book(spend, in: &store)
        case .conversionAttributed(let conversion): try attribute(conversion, in: &store)
        default: []
        }
    }

    private func sum(_ a: Int64, _ b: Int64, _ what: String, _ field: String) throws(EventRejection) -> Int64 {
        guard let total = checkedSum(a, b) else {
            throw EventRejection(.totalOverflow, field: field, "would take \(what) past \(Int64.max)")
        }
        return total
    }

    // MARK: Budget decisions

    private func decide(_ planned: CampaignPlanned, in store: inout FinanceState) throws(EventRejection)
        -> [DomainEvent]
    {
        var account = store.account(planned.campaignId) ?? CampaignAccount(campaignId: planned.campaignId)
        guard account.decision == nil else { return [] }  // decided before: a replayed plan changes nothing
        let quarter = planned.startDate.quarter
        let requested = planned.requestedBudget.amountMinor
        account.quarter = quarter
        account.requestedMinor = requested

        var events: [DomainEvent] = []
        let remaining = remainingMinor(in: quarter, store: store)
        if planned.targetRoiBps < policy.hurdleBps {
            account.decision = .rejected(.targetRoiBelowHurdle)
        } else if requested > remaining {
            account.decision = .rejected(.insufficientEnvelope)
        } else {
            let reserved = try sum(
                store.reservedMinor(in: quarter), requested, "the quarter's reservations", "requestedBudget")
            account.decision = .approved(amountMinor: requested)
            let book = store.change(
                quarter, reservedMinor: reserved, releasedMinor: store.book(of: quarter).releasedMinor)
            events.append(envelopeChanged(quarter, book))
        }
        switch account.decision {
        case .approved(let amount):
            events.insert(
                .budgetApproved(
                    BudgetApproved(campaignId: planned.campaignId, approvedBudget: money(amount), quarter: quarter)),
                at: 0)
        case .rejected(let reason):
            events.append(
                .budgetRejected(
                    BudgetRejected(
                        campaignId: planned.campaignId, reason: reason, requestedBudget: planned.requestedBudget,
                        quarter: quarter)))
        case nil: break
        }
        // Spend that arrived before the plan is counted now.
        events += exceededIfNeeded(&account)
        store.save(account)
        return events
    }

    private func complete(_ campaignId: String, in store: inout FinanceState) -> [DomainEvent] {
        guard var account = store.account(campaignId), !account.completed else { return [] }
        account.completed = true
        var events: [DomainEvent] = []
        if let approved = account.approvedMinor, let quarter = account.quarter, approved > account.spentMinor {
            let unspent = approved - account.spentMinor
            account.releasedMinor = unspent
            let before = store.book(of: quarter)
            // Both stay within the envelope: what is given back was reserved first.
            let book = store.change(
                quarter, reservedMinor: before.reservedMinor - unspent, releasedMinor: before.releasedMinor + unspent)
            events.append(envelopeChanged(quarter, book))
        }
        store.save(account)
        return events
    }

    private func envelopeChanged(_ quarter: Quarter, _ book: QuarterBook) -> DomainEvent {
        .envelopeChanged(
            EnvelopeChanged(
                quarter: quarter, envelope: policy.quarterlyEnvelope, reserved: total(book.reservedMinor),
                released: total(book.releasedMinor), revision: book.revision))
    }

    // MARK: Spend and revenue

    private func book(_ spend: AdSpendReported, in store: inout FinanceState) throws(EventRejection) -> [DomainEvent] {
        var account = store.account(spend.campaignId) ?? CampaignAccount(campaignId: spend.campaignId)
        account.spentMinor = try sum(
            account.spentMinor, spend.amount.amountMinor, "the campaign's spend", "amount.amountMinor")
        let events = exceededIfNeeded(&account)
        store.save(account)
        return events
    }

    /// Counts an order once: last touch's revenue and conversion on its campaign's account, and every
    /// model's credits on the accounts of the campaigns they name (created where missing).
    private func attribute(_ conversion: ConversionAttributed, in store: inout FinanceState) throws(EventRejection)
        -> [DomainEvent]
    {
        var changed: [UTF8Key: CampaignAccount] = [:]
        func account(_ id: String) -> CampaignAccount {
            changed[id.utf8Key] ?? store.account(id) ?? CampaignAccount(campaignId: id)
        }
        var lastTouch = account(conversion.campaignId)
        lastTouch.revenueMinor = try sum(
            lastTouch.revenueMinor, conversion.revenue.amountMinor, "the campaign's revenue", "revenue.amountMinor")
        lastTouch.conversions += 1
        changed[conversion.campaignId.utf8Key] = lastTouch
        for model in AttributionModel.allCases {
            for (index, credit) in (conversion.credits[model] ?? []).enumerated() {
                let field = "credits.\(model.rawValue)[\(index)]"
                var credited = account(credit.campaignId)
                let before = credited.credited[model] ?? CreditedFigures()
                credited.credited[model] = CreditedFigures(
                    revenueMinor: try sum(
                        before.revenueMinor, credit.revenue.amountMinor, "the campaign's \(model.rawValue) revenue",
                        field + ".revenue.amountMinor"),
                    conversionsBps: try sum(
                        before.conversionsBps, credit.bps, "the campaign's \(model.rawValue) conversions",
                        field + ".bps"))
                changed[credit.campaignId.utf8Key] = credited
            }
        }
        guard store.recordAttributedOrder(conversion.orderId) else { return [] }
        for id in changed.keys.sorted() { store.save(changed[id]!, credited: true) }
        return []
    }

    private func exceededIfNeeded(_ account: inout CampaignAccount) -> [DomainEvent] {
        guard let approved = account.approvedMinor, !account.exceededReported, account.spentMinor > approved else {
            return []
        }
        account.exceededReported = true
        return [
            .budgetExceeded(
                BudgetExceeded(
                    campaignId: account.campaignId, approvedBudget: money(approved), spend: total(account.spentMinor)))
        ]
    }

    // MARK: Reports and views

    /// ROI reports for the campaigns whose figures, under any model, differ from what was last
    /// reported (the coalescing step). A campaign never reported counts as reported at zero.
    public func roiReports(accounts: [CampaignAccount], lastReported: [UTF8Key: RoiReported]) -> [RoiReported] {
        accounts.compactMap { account in
            let report = account.roiReport(currency: currency)
            let last =
                lastReported[account.campaignId.utf8Key]
                ?? CampaignAccount(campaignId: account.campaignId).roiReport(currency: currency)
            return report == last ? nil : report
        }
    }

    /// The campaigns whose accounts an event may change: its subject, and every campaign a
    /// conversion's credits name.
    public static func campaignIds(touchedBy event: DomainEvent) -> [String] {
        guard case .conversionAttributed(let conversion) = event else { return [event.payload.subject] }
        return campaignIds(credited: conversion)
    }

    /// The campaigns whose accounts a conversion changes: last touch's and every one a model credits.
    public static func campaignIds(credited conversion: ConversionAttributed) -> [String] {
        [conversion.campaignId] + conversion.credits.values.flatMap { $0.map(\.campaignId) }
    }

    /// The quarter whose envelope an event may change, where the event alone tells (a plan).
    public static func quarter(touchedBy event: DomainEvent) -> Quarter? {
        if case .campaignPlanned(let planned) = event { return planned.startDate.quarter }
        return nil
    }

    public func remainingMinor(in quarter: Quarter, store: FinanceState) -> Int64 {
        policy.quarterlyEnvelope.amountMinor - store.reservedMinor(in: quarter)
    }

    public func envelope(for quarter: Quarter, store: FinanceState) -> EnvelopeStatus {
        let book = store.book(of: quarter)
        return EnvelopeStatus(
            quarter: quarter, envelope: policy.quarterlyEnvelope, reserved: total(book.reservedMinor),
            released: total(book.releasedMinor),
            remaining: money(policy.quarterlyEnvelope.amountMinor - book.reservedMinor))
    }

    private func money(_ amount: Int64) -> Money { Money(amountMinor: amount, currency: currency) }
    private func total(_ amount: Int64) -> MoneyTotal { MoneyTotal(amountMinor: amount, currency: currency) }
}
