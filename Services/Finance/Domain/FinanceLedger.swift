import TriadEvents

/// Finance's rules: budget decisions against the quarterly envelope, the spend ledger, ROI, and the
/// figures by event time (each channel's weeks and quarters, new customers).
/// Pure and synchronous: it reads and changes a `FinanceState` and returns the events to emit.
public struct FinanceLedger: Sendable {
    public let policy: BudgetPolicy

    public init(policy: BudgetPolicy) { self.policy = policy }

    private var currency: String { policy.quarterlyEnvelope.currency }

    /// The event types `apply` uses (finance reads the rest of it.insights and leaves it alone).
    public static let handledTypes: Set<EventType> = [
        .campaignPlanned, .campaignCompleted, .adSpendReported, .conversionAttributed, .customerAcquired,
    ]

    /// Applies one event finance consumes; other event types change nothing. An event that would
    /// take a total past 64 bits (a campaign's, or a partition's row of a week or quarter) is refused
    /// before it changes anything. `time` is the event's CloudEvents time (see
    /// `eventTime(of:envelopeTime:)`); `partition`, the one it was read from.
    public func apply(
        _ event: DomainEvent, at time: Timestamp? = nil, partition: Int32 = 0, to store: inout FinanceState
    ) throws(EventRejection) -> [DomainEvent] {
        switch event {
        case .campaignPlanned(let planned): try decide(planned, in: &store)
        case .campaignCompleted(let completed): complete(completed.campaignId, in: &store)
        case .adSpendReported(let spend):
            try book(spend, at: Self.eventTime(of: event, envelopeTime: time), partition: partition, in: &store)
        case .conversionAttributed(let conversion): try attribute(conversion, partition: partition, in: &store)
        case .customerAcquired(let acquired): acquire(acquired, partition: partition, in: &store)
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
        account.channel = planned.channel
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
        let projection = BudgetProjection(
            budgetMinor: requested, curve: store.curves[planned.channel],
            weeks: BudgetProjection.weeks(from: planned.startDate, through: planned.endDate))
        switch account.decision {
        case .approved(let amount):
            events.insert(
                .budgetApproved(
                    BudgetApproved(
                        campaignId: planned.campaignId, approvedBudget: money(amount), quarter: quarter,
                        projectedRevenue: projection.revenueMinor.map(money), projectedRoiBps: projection.roiBps,
                        projectionReason: projection.reason)),
                at: 0)
        case .rejected(let reason):
            events.append(
                .budgetRejected(
                    BudgetRejected(
                        campaignId: planned.campaignId, reason: reason, requestedBudget: planned.requestedBudget,
                        quarter: quarter, projectedRevenue: projection.revenueMinor.map(money),
                        projectedRoiBps: projection.roiBps, projectionReason: projection.reason)))
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

    /// Books spend on its campaign and, when it has a time, on its channel's week and quarter.
    private func book(_ spend: AdSpendReported, at time: Timestamp?, partition: Int32, in store: inout FinanceState)
        throws(EventRejection) -> [DomainEvent]
    {
        var account = store.account(spend.campaignId) ?? CampaignAccount(campaignId: spend.campaignId)
        let amount = spend.amount.amountMinor
        account.spentMinor = try sum(account.spentMinor, amount, "the campaign's spend", "amount.amountMinor")
        if let time {
            let channel = EventTime.channel(of: account)
            let week = PartitionKey(ChannelWeekKey(week: ISOWeek(of: time), channel: channel), partition: partition)
            let quarter = PartitionKey(QuarterChannelKey(quarter: time.quarter, channel: channel), partition: partition)
            _ = try sum(
                store.week(week).spendMinor, amount, "\(channel)'s spend in \(week.key.week)", "amount.amountMinor")
            _ = try sum(
                store.quarterFigures(quarter).spendMinor, amount, "\(channel)'s spend in \(quarter.key.quarter)",
                "amount.amountMinor")
            store.add(WeekFigures(spendMinor: amount), to: week)
            store.add(QuarterFigures(spendMinor: amount), to: quarter)
        }
        let events = exceededIfNeeded(&account)
        store.save(account)
        return events
    }

    /// Counts an order once: last touch's revenue and conversion on its campaign's account, and every
    /// model's credits on the accounts of the campaigns they name (created where missing); by the
    /// order's time, every model's credits on the week of each credited campaign's channel, and last
    /// touch's revenue and order on the quarter of its campaign's channel.
    private func attribute(_ conversion: ConversionAttributed, partition: Int32, in store: inout FinanceState)
        throws(EventRejection) -> [DomainEvent]
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
        let week = ISOWeek(of: conversion.occurredAt)
        func weekKey(_ channel: Channel) -> PartitionKey<ChannelWeekKey> {
            PartitionKey(ChannelWeekKey(week: week, channel: channel), partition: partition)
        }
        var weeks: [Channel: WeekFigures] = [:]
        for model in AttributionModel.allCases {
            for (index, credit) in (conversion.credits[model] ?? []).enumerated() {
                let field = "credits.\(model.rawValue)[\(index)]"
                var credited = account(credit.campaignId)
                let channel = EventTime.channel(of: credited)
                let onChannel = try sum(
                    weeks[channel]?.revenueMinor[model] ?? 0, credit.revenue.amountMinor, "the order's credits",
                    field + ".revenue.amountMinor")
                weeks[channel, default: WeekFigures()].revenueMinor[model] = onChannel
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
        for (channel, figures) in weeks {
            let stored = store.week(weekKey(channel)).revenueMinor
            for (model, revenue) in figures.revenueMinor {
                _ = try sum(
                    stored[model] ?? 0, revenue, "\(channel)'s \(model.rawValue) revenue in \(week)",
                    "credits.\(model.rawValue)")
            }
        }
        let quarter = PartitionKey(
            QuarterChannelKey(quarter: conversion.occurredAt.quarter, channel: EventTime.channel(of: lastTouch)),
            partition: partition)
        _ = try sum(
            store.quarterFigures(quarter).revenueMinor, conversion.revenue.amountMinor,
            "\(quarter.key.channel)'s revenue in \(quarter.key.quarter)", "revenue.amountMinor")
        guard store.recordAttributedOrder(conversion.orderId) else { return [] }
        for id in changed.keys.sorted() { store.save(changed[id]!, credited: true) }
        for (channel, figures) in weeks { store.add(figures, to: weekKey(channel)) }
        store.add(QuarterFigures(revenueMinor: conversion.revenue.amountMinor, orders: 1), to: quarter)
        return []
    }

    /// Counts a customer once, on the campaign their first order was attributed to and on the quarter
    /// of that campaign's channel; an organic first purchase is remembered but counts nowhere.
    private func acquire(_ acquired: CustomerAcquired, partition: Int32, in store: inout FinanceState)
        -> [DomainEvent]
    {
        guard store.recordAcquiredCustomer(acquired.customerId), let campaignId = acquired.campaignId else { return [] }
        var account = store.account(campaignId) ?? CampaignAccount(campaignId: campaignId)
        account.newCustomers += 1
        store.add(
            QuarterFigures(newCustomers: 1),
            to: PartitionKey(
                QuarterChannelKey(quarter: acquired.occurredAt.quarter, channel: EventTime.channel(of: account)),
                partition: partition))
        store.save(account)
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

    /// When what an event books by event time happened: spend's `occurredAt`, else its CloudEvents
    /// time (with neither, spend counts in its campaign's totals only); a purchase's time for a
    /// conversion or an acquisition; nil for the other types, which book nothing by time.
    public static func eventTime(of event: DomainEvent, envelopeTime: Timestamp?) -> Timestamp? {
        switch event {
        case .adSpendReported(let spend): spend.occurredAt ?? envelopeTime
        case .conversionAttributed(let conversion): conversion.occurredAt
        case .customerAcquired(let acquired): acquired.occurredAt
        default: nil
        }
    }

    /// `eventTime(of:envelopeTime:)` of an event as received.
    public static func eventTime(of received: ReceivedEvent) -> Timestamp? {
        eventTime(of: received.event, envelopeTime: received.envelope.time)
    }

    /// Acquisition reports of the quarters whose figures differ from what was last reported (the
    /// coalescing step), in quarter order; each goes out one revision past the last (bounded by
    /// `EnvelopeChanged.maximumRevision`, which 2^31 reports of one quarter would reach).
    public func acquisitionReports(figures: [Quarter: QuarterFigures], lastReported: [Quarter: ReportedQuarter])
        -> [AcquisitionReported]
    {
        figures.sorted { $0.key < $1.key }.compactMap { quarter, figures in
            let last = lastReported[quarter] ?? ReportedQuarter()
            guard figures != last.figures else { return nil }
            return figures.report(
                quarter, currency: currency, revision: min(last.revision + 1, EnvelopeChanged.maximumRevision))
        }
    }

    /// The campaigns whose accounts an event may change: a plan's, a completion's or spend's subject,
    /// every campaign a conversion's credits name, an acquisition's campaign; none for the other types.
    public static func campaignIds(touchedBy event: DomainEvent) -> [String] {
        switch event {
        case .campaignPlanned, .campaignCompleted, .adSpendReported: [event.payload.subject]
        case .conversionAttributed(let conversion): campaignIds(credited: conversion)
        case .customerAcquired(let acquired): acquired.campaignId.map { [$0] } ?? []
        default: []
        }
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
