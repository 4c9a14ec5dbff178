import TriadStorage

/// IT's tables, as versioned migrations (100 up):
///
/// - `it_customers` (`CustomersTable`): one row per customer.
/// - `it_touches` (`TouchesTable`): clicks and visits that carried a campaign.
/// - `it_orders` (`OrdersTable`): every order seen once, and the campaign it was attributed to.
/// - `it_order_credits` (`OrderCreditsTable`): each attributed order's credits under every model.
/// - `it_campaign_counters` (`CampaignCountersTable`), `it_organic` (`OrganicTable`): per partition,
///   written as increments.
/// - `it_partition_clocks` (`PartitionClocksTable`): the newest `occurredAt` per partition.
/// - `it_markov` (`MarkovTable`), `it_markov_shares` (`MarkovSharesTable`): the latest data-driven
///   (Markov) computation and its shares.
/// - `it_performance_reported` (`PerformanceReportedTable`): what the last performance report of each
///   campaign said.
public enum AnalyticsSchema {
    public static let migrations: [Migrations.Migration] = [
        Migrations.Migration(
            version: 100,
            [
                .keyedTable(
                    """
                    CREATE TABLE it_customers (customer_id TEXT PRIMARY KEY, segment TEXT NOT NULL DEFAULT 'unassigned', \
                    last_activity_at BIGINT, purchases BIGINT NOT NULL DEFAULT 0, at_risk BIGINT NOT NULL DEFAULT 0, \
                    partition_id BIGINT NOT NULL DEFAULT 0, due_since BIGINT)
                    """),
                // seq orders touches of one instant by arrival (`TouchesTable.save`).
                .keyedTable(
                    """
                    CREATE TABLE it_touches (customer_id TEXT NOT NULL, at BIGINT NOT NULL, seq BIGINT NOT NULL, \
                    campaign_id TEXT NOT NULL, PRIMARY KEY (customer_id, at, seq))
                    """),
                .keyedTable(
                    """
                    CREATE TABLE it_orders (order_id TEXT PRIMARY KEY, customer_id TEXT, campaign_id TEXT, \
                    revenue_minor BIGINT, occurred_at BIGINT)
                    """),
                """
                CREATE TABLE it_campaign_counters (campaign_id TEXT NOT NULL, partition_id BIGINT NOT NULL, \(counters), \
                PRIMARY KEY (campaign_id, partition_id))
                """,
                "CREATE TABLE it_organic (partition_id BIGINT PRIMARY KEY, purchases BIGINT NOT NULL, revenue_minor BIGINT NOT NULL)",
                "CREATE TABLE it_partition_clocks (partition_id BIGINT PRIMARY KEY, clock BIGINT NOT NULL)",
                "CREATE TABLE it_performance_reported (campaign_id TEXT PRIMARY KEY, \(counters))",
            ]),
        // Reads for the API: why a customer is at risk (rows from before read as at risk with no
        // known reason), customers at risk and orders by campaign in key order.
        Migrations.Migration(
            version: 101,
            [
                "ALTER TABLE it_customers ADD COLUMN risk_reason TEXT",
                "CREATE INDEX it_customers_at_risk ON it_customers (segment, customer_id) WHERE at_risk = 1",
                "CREATE INDEX it_orders_campaign ON it_orders (campaign_id, order_id)",
            ]),
        // Cheaper customer updates: the inactivity index on the hour of `due_since` (databases from
        // before had one on `due_since`); on PostgreSQL, customer pages filled to 70 % (room for
        // updates in place).
        Migrations.Migration(
            version: 102,
            [
                "ALTER TABLE it_customers ADD COLUMN due_hour BIGINT",
                "UPDATE it_customers SET due_hour = due_since / \(CustomersTable.dueHourMilliseconds)",
                "DROP INDEX IF EXISTS it_customers_due",
                "CREATE INDEX it_customers_due ON it_customers (partition_id, due_hour) WHERE due_hour IS NOT NULL",
                .fillFactor(table: "it_customers", percent: 70),
            ]),
        // Touches are pruned by walking the key (`AgeSweep`): databases from before had an index on
        // their age, which cost every touch a second b-tree write.
        Migrations.Migration(version: 103, ["DROP INDEX IF EXISTS it_touches_age"]),
        // Attribution models: each attributed order's credits under every rule-based model, by time.
        Migrations.Migration(
            version: 104,
            [
                .keyedTable(
                    """
                    CREATE TABLE it_order_credits (occurred_at BIGINT NOT NULL, order_id TEXT NOT NULL, \
                    credits TEXT NOT NULL, PRIMARY KEY (occurred_at, order_id))
                    """)
            ]),
        // The data-driven model: the campaign a purchase named itself (orders from before read as
        // naming none), orders by time for its window, and its latest computation.
        Migrations.Migration(
            version: 105,
            [
                "ALTER TABLE it_orders ADD COLUMN named_campaign_id TEXT",
                "CREATE INDEX it_orders_time ON it_orders (occurred_at)",
                """
                CREATE TABLE it_markov (id BIGINT PRIMARY KEY, computed_at BIGINT NOT NULL, from_at BIGINT NOT NULL, \
                to_at BIGINT NOT NULL, journeys BIGINT NOT NULL, conversions BIGINT NOT NULL)
                """,
                .keyedTable(
                    """
                    CREATE TABLE it_markov_shares (model TEXT NOT NULL, campaign_id TEXT NOT NULL, \
                    bps BIGINT NOT NULL, PRIMARY KEY (model, campaign_id))
                    """),
            ]),
        // The data-driven reading pages through customers: each page's purchases by customer.
        Migrations.Migration(version: 106, ["CREATE INDEX it_orders_customer ON it_orders (customer_id, occurred_at)"]),
    ]

    private static let counters = CampaignCountersTable.counterColumns.map { "\($0) BIGINT NOT NULL DEFAULT 0" }
        .joined(separator: ", ")
}
