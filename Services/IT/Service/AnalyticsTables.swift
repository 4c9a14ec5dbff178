import Foundation
import Synchronization
import Analytics
import TriadEvents
import TriadRuntime
import TriadStorage

/// IT's tables, and how a batch of interactions is loaded from them and written back.
///
/// - `it_customers`: one row per customer; `due_since` is set while the customer is a buyer not at
///   risk. The inactivity scan finds them by partition and `due_hour` (the hour of `due_since`):
///   keying the index on the hour, not the instant, leaves it unchanged by most of a customer's
///   activity, so on PostgreSQL (with room left on each page) such an update rewrites the row in
///   place without new index entries.
/// - `it_touches`: clicks and visits that carried a campaign, kept for two attribution windows
///   behind the oldest partition clock (so a purchase up to one window late still finds its touches).
/// - `it_orders`: every order seen once, and the campaign it was attributed to (none: organic).
/// - `it_campaign_counters`, `it_organic`: per partition, written as increments.
/// - `it_partition_clocks`: the newest `occurredAt` per partition (the clock inactivity is measured on).
/// - `it_performance_reported`: what the last performance report of each campaign said.
enum AnalyticsTables {
    static let migrations: [Migrations.Migration] = [
        Migrations.Migration(version: 100) { dialect in
            let counters =
                "impressions BIGINT NOT NULL DEFAULT 0, clicks BIGINT NOT NULL DEFAULT 0, visits BIGINT NOT NULL DEFAULT 0, signups BIGINT NOT NULL DEFAULT 0, purchases BIGINT NOT NULL DEFAULT 0, revenue_minor BIGINT NOT NULL DEFAULT 0"
            return [
                "CREATE TABLE it_customers (customer_id TEXT PRIMARY KEY, segment TEXT NOT NULL DEFAULT 'unassigned', last_activity_at BIGINT, purchases BIGINT NOT NULL DEFAULT 0, at_risk BIGINT NOT NULL DEFAULT 0, partition_id BIGINT NOT NULL DEFAULT 0, due_since BIGINT)"
                    + Migrations.withoutRowID(dialect),
                "CREATE INDEX it_customers_due ON it_customers (partition_id, due_since) WHERE due_since IS NOT NULL",
                // seq orders touches of one instant by arrival (see `save`).
                "CREATE TABLE it_touches (customer_id TEXT NOT NULL, at BIGINT NOT NULL, seq BIGINT NOT NULL, campaign_id TEXT NOT NULL, PRIMARY KEY (customer_id, at, seq))"
                    + Migrations.withoutRowID(dialect),
                "CREATE INDEX it_touches_age ON it_touches (at)",
                "CREATE TABLE it_orders (order_id TEXT PRIMARY KEY, customer_id TEXT, campaign_id TEXT, revenue_minor BIGINT, occurred_at BIGINT)"
                    + Migrations.withoutRowID(dialect),
                "CREATE TABLE it_campaign_counters (campaign_id TEXT NOT NULL, partition_id BIGINT NOT NULL, \(counters), PRIMARY KEY (campaign_id, partition_id))",
                "CREATE TABLE it_organic (partition_id BIGINT PRIMARY KEY, purchases BIGINT NOT NULL, revenue_minor BIGINT NOT NULL)",
                "CREATE TABLE it_partition_clocks (partition_id BIGINT PRIMARY KEY, clock BIGINT NOT NULL)",
                "CREATE TABLE it_performance_reported (campaign_id TEXT PRIMARY KEY, \(counters))",
            ]
        },
        // Reads for the API: why a customer is at risk (rows from before read as at risk with no
        // known reason), customers at risk and orders by campaign in key order.
        Migrations.Migration(version: 101) { _ in
            [
                "ALTER TABLE it_customers ADD COLUMN risk_reason TEXT",
                "CREATE INDEX it_customers_at_risk ON it_customers (segment, customer_id) WHERE at_risk = 1",
                "CREATE INDEX it_orders_campaign ON it_orders (campaign_id, order_id)",
            ]
        },
        // Cheaper customer updates: the inactivity index on the hour of `due_since`; on PostgreSQL,
        // customer pages filled to 70 % (room for updates in place).
        Migrations.Migration(version: 102) { dialect in
            [
                "ALTER TABLE it_customers ADD COLUMN due_hour BIGINT",
                "UPDATE it_customers SET due_hour = due_since / \(dueHourMilliseconds)",
                "DROP INDEX it_customers_due",
                "CREATE INDEX it_customers_due ON it_customers (partition_id, due_hour) WHERE due_hour IS NOT NULL",
            ] + (dialect == .postgres ? ["ALTER TABLE it_customers SET (fillfactor = 70)"] : [])
        },
        // Touches are pruned by walking the key (`AgeSweep`): an index on their age cost every
        // touch a second b-tree write.
        Migrations.Migration(version: 103) { _ in ["DROP INDEX it_touches_age"] },
    ]

    // MARK: A batch

    /// Loads what `events` touch, applies them in order and writes back what changed.
    static func apply(_ events: [IncomingEvent], analytics: Analytics, in session: any SQLSession) throws
        -> [Result<[DomainEvent], EventRejection>]
    {
        var interactions: [(CustomerInteraction, Int32)] = []
        for event in events {
            if case .customerInteraction(let interaction) = event.event { interactions.append((interaction, event.partition)) }
        }
        var (state, stored) = try load(interactions, analytics: analytics, in: session)
        let now = Timestamp.now()
        let results = events.map { event in
            Result { () throws(EventRejection) in
                try analytics.apply(event.event, partition: event.partition, now: now, to: &state)
            }
        }
        try save(state, stored: stored, in: session)
        return results
    }

    /// The width of the buckets `due_hour` counts (integer division, as SQL's on integers).
    static let dueHourMilliseconds: Int64 = 3_600_000

    private static let customerColumns = "customer_id, segment, last_activity_at, purchases, at_risk, partition_id, risk_reason"

    /// The state a batch needs, and the customers as stored (the others are new).
    private static func load(_ interactions: [(CustomerInteraction, Int32)], analytics: Analytics, in session: any SQLSession)
        throws -> (AnalyticsState, stored: [CustomerRecord])
    {
        // Told apart by bytes; in byte order, one lock order on PostgreSQL.
        let customerIds = interactions.map(\.0.customerId).distinctInByteOrder()
        var customers: [CustomerRecord]
        switch session.dialect {
        case .sqlite:
            customers = try session.query("SELECT \(customerColumns) FROM it_customers WHERE customer_id {keys}", keys: customerIds)
                .map(customer)
        case .postgres:
            // Locks the batch's stored customers in one lock order, so an instance given the same
            // customer by another partition waits instead of overwriting; `save` catches a new
            // customer another instance created meanwhile.
            customers = try session.query(
                "SELECT \(customerColumns) FROM it_customers WHERE customer_id {keys} ORDER BY customer_id FOR UPDATE",
                keys: customerIds
            ).map(customer)
        }

        // The clocks, and the customers that can fall due before the batch ends.
        let partitions = Set(interactions.map(\.1)).sorted()
        var clocks: [Int32: Timestamp] = [:]
        for row in try session.query(
            "SELECT partition_id, clock FROM it_partition_clocks WHERE CAST(partition_id AS TEXT) {keys}",
            keys: partitions.map { String($0) })
        {
            if let partition = row[0].integer, let clock = row[1].integer {
                clocks[Int32(partition)] = Timestamp(millisecondsSinceEpoch: clock)
            }
        }
        var cutoffs: [(partition: Int32, cutoff: Int64)] = []
        for partition in partitions {
            let newest = interactions.filter { $0.1 == partition }.map(\.0.occurredAt).max()
            guard let clock = [clocks[partition], newest].compactMap({ $0 }).max() else { continue }
            cutoffs.append((partition, analytics.inactivityCutoff(clock: clock).millisecondsSinceEpoch))
        }
        let loaded = Set(customers.map(\.customerId.utf8Key))
        customers += try dueCustomers(cutoffs, in: session).filter { !loaded.contains($0.customerId.utf8Key) }

        // Orders seen before; `save` records the new ones.
        let orderIds = interactions.compactMap { $0.0.kind == .purchase ? $0.0.orderId : nil }.distinctInByteOrder()
        let recorded = Set(
            try session.query("SELECT order_id FROM it_orders WHERE order_id {keys}", keys: orderIds).compactMap { $0[0].text?.utf8Key })

        let touches = try touchesForPurchases(
            interactions.map(\.0).filter { $0.kind == .purchase && $0.campaignId == nil }, window: analytics.policy.attributionWindowMilliseconds,
            in: session)
        // The stored totals of what the batch adds to, for the overflow check.
        var campaignIds = Set(interactions.compactMap { $0.0.campaignId?.utf8Key })
        for list in touches.values { campaignIds.formUnion(list.map(\.campaignId.utf8Key)) }
        var storedCounters: [AnalyticsState.CounterKey: CampaignCounters] = [:]
        for row in try session.query(
            "SELECT campaign_id, impressions, clicks, visits, signups, purchases, revenue_minor, partition_id FROM it_campaign_counters WHERE campaign_id {keys}",
            keys: campaignIds.sorted().map(\.string))
        {
            let partition = Int32(truncatingIfNeeded: row[7].integer ?? 0)
            guard partitions.contains(partition) else { continue }
            let c = counters(Array(row.prefix(7)))
            storedCounters[AnalyticsState.CounterKey(campaignId: c.campaignId, partition: partition)] = c
        }
        var storedOrganic: [Int32: OrganicTotals] = [:]
        for row in try session.query(
            "SELECT partition_id, purchases, revenue_minor FROM it_organic WHERE CAST(partition_id AS TEXT) {keys}",
            keys: partitions.map { String($0) })
        {
            storedOrganic[Int32(truncatingIfNeeded: row[0].integer ?? 0)] = OrganicTotals(
                purchases: row[1].integer ?? 0, revenueMinor: row[2].integer ?? 0)
        }
        let state = AnalyticsState(
            customers: customers, touches: touches, recordedOrders: recorded, clocks: clocks,
            storedCounters: storedCounters, storedOrganic: storedOrganic)
        return (state, customers)
    }

    private static func dueCustomers(_ cutoffs: [(partition: Int32, cutoff: Int64)], in session: any SQLSession) throws
        -> [CustomerRecord]
    {
        guard !cutoffs.isEmpty else { return [] }
        switch session.dialect {
        case .sqlite:
            return try cutoffs.flatMap { partition, cutoff in
                try session.query(
                    "SELECT \(customerColumns) FROM it_customers WHERE partition_id = ? AND due_hour IS NOT NULL AND due_hour <= ? AND due_since <= ?",
                    [.integer(Int64(partition)), .integer(cutoff / dueHourMilliseconds), .integer(cutoff)]
                ).map(customer)
            }
        case .postgres:
            // Customers another instance holds now are left for a later batch.
            return try session.query(
                """
                SELECT c.customer_id, c.segment, c.last_activity_at, c.purchases, c.at_risk, c.partition_id, c.risk_reason
                FROM it_customers c JOIN unnest(?::bigint[], ?::bigint[], ?::bigint[]) AS u(p, hour, cutoff)
                ON c.partition_id = u.p AND c.due_hour IS NOT NULL AND c.due_hour <= u.hour AND c.due_since <= u.cutoff
                ORDER BY c.customer_id FOR UPDATE OF c SKIP LOCKED
                """,
                [
                    .integers(cutoffs.map { Int64($0.partition) }), .integers(cutoffs.map { $0.cutoff / dueHourMilliseconds }),
                    .integers(cutoffs.map(\.cutoff)),
                ]
            ).map(customer)
        }
    }

    /// For each purchase without its own campaign, the latest stored touch of its customer at or
    /// before it and inside the window.
    private static func touchesForPurchases(_ purchases: [CustomerInteraction], window: Int64, in session: any SQLSession)
        throws -> [UTF8Key: [Touch]]
    {
        guard !purchases.isEmpty else { return [:] }
        var found: [UTF8Key: [Touch]] = [:]
        func add(_ customerId: String, _ row: SQLRow, at column: Int) {
            guard let at = row[column].integer, let campaignId = row[column + 1].text else { return }
            let touch = Touch(at: Timestamp(millisecondsSinceEpoch: at), campaignId: campaignId)
            let customer = customerId.utf8Key
            if !(found[customer]?.contains(touch) ?? false) { found[customer, default: []].append(touch) }
        }
        switch session.dialect {
        case .sqlite:
            for purchase in purchases {
                let at = purchase.occurredAt.millisecondsSinceEpoch
                for row in try session.query(
                    "SELECT at, campaign_id FROM it_touches WHERE customer_id = ? AND at <= ? AND at >= ? ORDER BY at DESC, seq DESC LIMIT 1",
                    [.text(purchase.customerId), .integer(at), .integer(at - window)])
                {
                    add(purchase.customerId, row, at: 0)
                }
            }
        case .postgres:
            let rows = try session.query(
                """
                SELECT u.c, t.at, t.campaign_id FROM unnest(?::text[], ?::bigint[]) AS u(c, p)
                CROSS JOIN LATERAL (SELECT at, campaign_id FROM it_touches WHERE customer_id = u.c AND at <= u.p AND at >= u.p - ?
                ORDER BY at DESC, seq DESC LIMIT 1) t
                """,
                [
                    .texts(purchases.map(\.customerId)), .integers(purchases.map(\.occurredAt.millisecondsSinceEpoch)),
                    .integer(window),
                ])
            for row in rows { if let customerId = row[0].text { add(customerId, row, at: 1) } }
        }
        return found
    }

    private static func save(_ state: AnalyticsState, stored: [CustomerRecord], in session: any SQLSession) throws {
        var customers = state.changedCustomerRecords()
        switch session.dialect {
        case .postgres:
            customers.sort { $0.customerId.utf8Key < $1.customerId.utf8Key }  // one lock order, the table's
        case .sqlite:
            // SQLite rewrites the entries of every index whose column an UPDATE sets, even to the same
            // value (PostgreSQL sees that none changed and updates in place). A stored customer whose
            // indexed columns stay as they were gets an UPDATE of the other columns only.
            var before: [UTF8Key: CustomerRecord] = [:]
            before.reserveCapacity(stored.count)
            for customer in stored { before[customer.customerId.utf8Key] = customer }
            var unindexed: [CustomerRecord] = []
            customers.removeAll { customer in
                guard let old = before[customer.customerId.utf8Key], sameIndexedColumns(old, customer) else { return false }
                unindexed.append(customer)
                return true
            }
            try session.run(
                "UPDATE it_customers SET last_activity_at = ?, purchases = ?, due_since = ?, risk_reason = ? WHERE customer_id = ?",
                forEach: unindexed.map { c in
                    [
                        SQLValue(c.lastActivityAt?.millisecondsSinceEpoch), .integer(c.purchases),
                        SQLValue(c.dueSince?.millisecondsSinceEpoch), SQLValue(c.riskReason?.rawValue), .text(c.customerId),
                    ]
                })
        }
        // On PostgreSQL a stored customer is updated (its row is locked), a new one inserted; a
        // customer another instance created since `load` is neither, and the batch runs again.
        let onlyStored = session.dialect == .postgres ? " WHERE it_customers.customer_id = ANY(?::text[]) RETURNING 1" : ""
        let written = try session.insert(
            into: "it_customers",
            [
                .text("customer_id"), .text("segment"), .integer("last_activity_at", nullable: true), .integer("purchases"),
                .integer("at_risk"), .integer("partition_id"), .integer("due_since", nullable: true),
                .integer("due_hour", nullable: true), .text("risk_reason", nullable: true),
            ],
            rows: customers.map { c in
                let dueSince = c.dueSince?.millisecondsSinceEpoch
                return [
                    .text(c.customerId), .text(c.segment), SQLValue(c.lastActivityAt?.millisecondsSinceEpoch),
                    .integer(c.purchases), .integer(c.atRisk ? 1 : 0), .integer(Int64(c.partition)), SQLValue(dueSince),
                    SQLValue(dueSince.map { $0 / dueHourMilliseconds }), SQLValue(c.riskReason?.rawValue),
                ]
            },
            """
            ON CONFLICT (customer_id) DO UPDATE SET segment = excluded.segment, last_activity_at = excluded.last_activity_at,
            purchases = excluded.purchases, at_risk = excluded.at_risk, partition_id = excluded.partition_id, due_since = excluded.due_since,
            due_hour = excluded.due_hour, risk_reason = excluded.risk_reason
            """ + onlyStored, suffixArguments: session.dialect == .postgres ? [.texts(stored.map(\.customerId))] : [])
        if session.dialect == .postgres, written.count != customers.count {
            throw WriteConflict("\(customers.count - written.count) new customer(s) of this batch were created by another instance")
        }
        let base = touchSequence(reserving: state.newTouches.count)
        try session.insert(
            into: "it_touches", [.text("customer_id"), .integer("at"), .integer("seq"), .text("campaign_id")],
            rows: state.newTouches.enumerated().map { index, touch in
                [
                    .text(touch.customerId), .integer(touch.touch.at.millisecondsSinceEpoch), .integer(base + Int64(index)),
                    .text(touch.touch.campaignId),
                ]
            })
        // An order another instance recorded since `load` was counted here as new: the batch runs
        // again and sees it.
        var orders = state.newOrders
        if session.dialect == .postgres { orders.sort { $0.orderId.utf8Key < $1.orderId.utf8Key } }  // one lock order
        let inserted = try session.insertNew(
            into: "it_orders",
            [
                .text("order_id"), .text("customer_id"), .text("campaign_id", nullable: true), .integer("revenue_minor"),
                .integer("occurred_at"),
            ],
            rows: orders.map { order in
                [
                    .text(order.orderId), .text(order.customerId), SQLValue(order.campaignId), .integer(order.revenueMinor),
                    .integer(order.occurredAt.millisecondsSinceEpoch),
                ]
            }, key: 1)
        if inserted.contains(false) {
            throw WriteConflict("\(inserted.filter { !$0 }.count) order(s) of this batch were recorded by another instance")
        }
        let counters = state.countersByPartition.sorted { ($0.key.campaign, $0.key.partition) < ($1.key.campaign, $1.key.partition) }
        try session.insert(
            into: "it_campaign_counters", [.text("campaign_id"), .integer("partition_id")] + counterColumns.map { .integer($0) },
            rows: counters.map { key, c in [.text(key.campaignId), .integer(Int64(key.partition))] + values(c) },
            "ON CONFLICT (campaign_id, partition_id) DO UPDATE SET "
                + counterColumns.map { "\($0) = it_campaign_counters.\($0) + excluded.\($0)" }.joined(separator: ", "))
        try session.insert(
            into: "it_organic", [.integer("partition_id"), .integer("purchases"), .integer("revenue_minor")],
            rows: state.organicByPartition.sorted { $0.key < $1.key }.map {
                [.integer(Int64($0.key)), .integer($0.value.purchases), .integer($0.value.revenueMinor)]
            },
            """
            ON CONFLICT (partition_id) DO UPDATE SET purchases = it_organic.purchases + excluded.purchases,
            revenue_minor = it_organic.revenue_minor + excluded.revenue_minor
            """)
        try session.insert(
            into: "it_partition_clocks", [.integer("partition_id"), .integer("clock")],
            rows: state.clocksChanged.map { [.integer(Int64($0.partition)), .integer($0.clock.millisecondsSinceEpoch)] },
            """
            ON CONFLICT (partition_id) DO UPDATE SET
            clock = CASE WHEN excluded.clock > it_partition_clocks.clock THEN excluded.clock ELSE it_partition_clocks.clock END
            """)
    }

    /// Whether two records of a customer agree on every other column an index of `it_customers` holds.
    private static func sameIndexedColumns(_ a: CustomerRecord, _ b: CustomerRecord) -> Bool {
        a.segment == b.segment && a.partition == b.partition && a.atRisk == b.atRisk
            && a.dueSince.map { $0.millisecondsSinceEpoch / dueHourMilliseconds }
                == b.dueSince.map { $0.millisecondsSinceEpoch / dueHourMilliseconds }
    }

    /// Arrival order of touches: increasing within the process and across restarts (it starts from
    /// the wall clock in milliseconds times 2^20), so of two touches at one instant the later wins.
    private static let lastSequence = Mutex<Int64>(0)

    private static func touchSequence(reserving count: Int) -> Int64 {
        lastSequence.withLock { last in
            let start = max(last + 1, Int64(Date().timeIntervalSince1970 * 1000) << 20)
            last = start + Int64(count)
            return start
        }
    }

    // MARK: Reports, housekeeping, reads

    private static let counterColumns = ["impressions", "clicks", "visits", "signups", "purchases", "revenue_minor"]

    private static func values(_ c: CampaignCounters) -> [SQLValue] {
        [c.impressions, c.clicks, c.visits, c.signups, c.purchases, c.revenueMinor].map { .integer($0) }
    }

    private static let totalsQuery =
        "SELECT campaign_id, " + counterColumns.map { "CAST(SUM(\($0)) AS BIGINT)" }.joined(separator: ", ")
        + " FROM it_campaign_counters"

    /// Every campaign's counters summed over the partitions.
    static func allCounters(in session: any SQLSession) throws -> [CampaignCounters] {
        try session.query(totalsQuery + " GROUP BY campaign_id ORDER BY campaign_id").map(counters)
    }

    static func counters(of campaignId: String, in session: any SQLSession) throws -> CampaignCounters? {
        try session.query(totalsQuery + " WHERE campaign_id = ? GROUP BY campaign_id", [.text(campaignId)]).first.map(counters)
    }

    /// Reports for what changed since the last report, recorded as reported.
    static func performanceReports(analytics: Analytics, in session: any SQLSession) throws -> [DomainEvent] {
        let current = try allCounters(in: session)
        var reported: [UTF8Key: CampaignCounters] = [:]
        for row in try session.query("SELECT campaign_id, \(counterColumns.joined(separator: ", ")) FROM it_performance_reported") {
            let c = counters(row)
            reported[c.campaignId.utf8Key] = c
        }
        let changed = current.filter { reported[$0.campaignId.utf8Key] != $0 }
        try session.insert(
            into: "it_performance_reported", [.text("campaign_id")] + counterColumns.map { .integer($0) },
            rows: changed.map { [.text($0.campaignId)] + values($0) },
            "ON CONFLICT (campaign_id) DO UPDATE SET " + counterColumns.map { "\($0) = excluded.\($0)" }.joined(separator: ", "))
        return analytics.performanceReports(current: changed, lastReported: [:])
    }

    /// What prunes touches (see `prune`): they are kept about two attribution windows.
    static func touchSweep(window: Int64) -> AgeSweep {
        AgeSweep(table: "it_touches", key: ["customer_id", "at", "seq"], age: "at", lifetime: .milliseconds(2 * window))
    }

    /// Drops touches that no purchase can use any more: older than two attribution windows behind
    /// the oldest partition clock (one stretch of the table a round).
    static func prune(window: Int64, sweep: AgeSweep, in session: any SQLSession) throws -> [String: Int] {
        guard let oldest = try session.query("SELECT MIN(clock) FROM it_partition_clocks").first?.first?.integer else {
            return [:]
        }
        return ["it_touches": try sweep.sweep(olderThan: oldest - 2 * window, in: session)]
    }

    static func customer(_ customerId: String, in session: any SQLSession) throws -> CustomerRecord? {
        try session.query("SELECT \(customerColumns) FROM it_customers WHERE customer_id = ?", [.text(customerId)]).first.map(customer)
    }

    /// A customer's most recent touches, newest first.
    static func touches(of customerId: String, limit: Int, in session: any SQLSession) throws -> [Touch] {
        try session.query(
            "SELECT at, campaign_id FROM it_touches WHERE customer_id = ? ORDER BY at DESC, seq DESC LIMIT ?",
            [.text(customerId), .integer(Int64(limit))]
        ).compactMap { row in
            guard let at = row[0].integer, let campaignId = row[1].text else { return nil }
            return Touch(at: Timestamp(millisecondsSinceEpoch: at), campaignId: campaignId)
        }
    }

    static func organic(in session: any SQLSession) throws -> OrganicTotals {
        let row = try session.query(
            "SELECT CAST(COALESCE(SUM(purchases), 0) AS BIGINT), CAST(COALESCE(SUM(revenue_minor), 0) AS BIGINT) FROM it_organic"
        ).first
        return OrganicTotals(purchases: row?[0].integer ?? 0, revenueMinor: row?[1].integer ?? 0)
    }

    /// One page of the customers at churn risk, by id; of one segment when asked.
    static func customersAtRisk(segment: String?, _ page: PageRequest, in session: any SQLSession) throws -> [CustomerRecord] {
        let after = page.condition(on: "customer_id")
        let (bySegment, segmentArguments): (String, [SQLValue]) = segment.map { (" AND segment = ?", [.text($0)]) } ?? ("", [])
        return try session.query(
            "SELECT \(customerColumns) FROM it_customers WHERE at_risk = 1\(bySegment) AND \(after.sql) ORDER BY customer_id LIMIT ?",
            segmentArguments + after.arguments + [page.fetchLimit]
        ).map(customer)
    }

    /// One page of the orders IT has seen, by order id, with the campaign each was attributed to
    /// (none: organic); of one campaign when asked.
    static func orders(campaign: String?, _ page: PageRequest, in session: any SQLSession) throws -> [RecordedOrder] {
        let after = page.condition(on: "order_id")
        let (byCampaign, campaignArguments): (String, [SQLValue]) = campaign.map { (" AND campaign_id = ?", [.text($0)]) } ?? ("", [])
        return try session.query(
            """
            SELECT order_id, customer_id, campaign_id, revenue_minor, occurred_at FROM it_orders
            WHERE \(after.sql)\(byCampaign) ORDER BY order_id LIMIT ?
            """,
            after.arguments + campaignArguments + [page.fetchLimit]
        ).map { row in
            RecordedOrder(
                orderId: row[0].text ?? "", customerId: row[1].text ?? "", campaignId: row[2].text,
                revenueMinor: row[3].integer ?? 0, occurredAt: Timestamp(millisecondsSinceEpoch: row[4].integer ?? 0))
        }
    }

    /// One page of the campaigns' counters (summed over the partitions), by campaign id.
    static func counters(_ page: PageRequest, in session: any SQLSession) throws -> [CampaignCounters] {
        let after = page.condition(on: "campaign_id")
        return try session.query(
            totalsQuery + " WHERE \(after.sql) GROUP BY campaign_id ORDER BY campaign_id LIMIT ?", after.arguments + [page.fetchLimit]
        ).map(counters)
    }

    // MARK: Rows

    private static func customer(_ row: SQLRow) -> CustomerRecord {
        CustomerRecord(
            customerId: row[0].text ?? "", segment: row[1].text ?? CustomerRecord.unassignedSegment,
            lastActivityAt: row[2].integer.map(Timestamp.init(millisecondsSinceEpoch:)), purchases: row[3].integer ?? 0,
            atRisk: row[4].integer == 1, riskReason: row[6].text.flatMap(ChurnRiskReason.init(rawValue:)),
            partition: Int32(truncatingIfNeeded: row[5].integer ?? 0))
    }

    private static func counters(_ row: SQLRow) -> CampaignCounters {
        CampaignCounters(
            campaignId: row[0].text ?? "", impressions: row[1].integer ?? 0, clicks: row[2].integer ?? 0,
            visits: row[3].integer ?? 0, signups: row[4].integer ?? 0, purchases: row[5].integer ?? 0,
            revenueMinor: row[6].integer ?? 0)
    }
}
