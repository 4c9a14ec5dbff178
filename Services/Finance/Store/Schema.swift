import TriadStorage

/// Finance's tables, as versioned migrations (200 up):
///
/// - `fin_accounts` (`AccountsTable`): one row per campaign.
/// - `fin_quarters` (`QuartersTable`): each quarter's reservations, releases and revision.
/// - `fin_attributed_orders` (`AttributedOrdersTable`): orders already counted.
/// - `fin_roi_reported` (`RoiReportedTable`): what the last ROI report of each campaign said.
/// - `fin_model_credits`, `fin_roi_reported_models` (`ModelFiguresTable`): per campaign and
///   attribution model, what the model credited and what the last ROI report said.
/// - `fin_channel_weeks` (`ChannelWeeksTable`): per ISO week of event time, channel and model, the
///   spend and attributed revenue (the latest 52 weeks).
/// - `fin_quarter_figures` (`QuarterFiguresTable`): per quarter of event time and channel, spend,
///   last touch's revenue and orders, new customers.
/// - `fin_acquired_customers` (`AcquiredCustomersTable`): customers already counted.
/// - `fin_acquisition_reported` (`AcquisitionReportedTable`): what the last acquisition report of
///   each quarter said, and its revision.
/// - `fin_reallocations_reported` (`ReallocationsReportedTable`): the last reallocation proposal
///   emitted for each quarter, per channel, and its revision.
public enum FinanceSchema {
    public static let migrations: [Migrations.Migration] = [
        Migrations.Migration(
            version: 200,
            [
                """
                CREATE TABLE fin_accounts (campaign_id TEXT PRIMARY KEY, quarter TEXT, requested_minor BIGINT, \
                decision TEXT, approved_minor BIGINT, rejection_reason TEXT, spent_minor BIGINT NOT NULL DEFAULT 0, \
                revenue_minor BIGINT NOT NULL DEFAULT 0, conversions BIGINT NOT NULL DEFAULT 0, \
                exceeded_reported BIGINT NOT NULL DEFAULT 0, completed BIGINT NOT NULL DEFAULT 0, \
                released_minor BIGINT NOT NULL DEFAULT 0)
                """,
                "CREATE TABLE fin_quarters (quarter TEXT PRIMARY KEY, reserved_minor BIGINT NOT NULL DEFAULT 0)",
                "CREATE TABLE fin_attributed_orders (order_id TEXT PRIMARY KEY)",
                """
                CREATE TABLE fin_roi_reported (campaign_id TEXT PRIMARY KEY, spent_minor BIGINT NOT NULL, \
                revenue_minor BIGINT NOT NULL, conversions BIGINT NOT NULL)
                """,
            ]),
        // Envelope changes are published: what was given back so far (counted from the accounts for
        // quarters from before), and a revision per quarter.
        Migrations.Migration(
            version: 201,
            [
                "ALTER TABLE fin_quarters ADD COLUMN released_minor BIGINT NOT NULL DEFAULT 0",
                "ALTER TABLE fin_quarters ADD COLUMN revision BIGINT NOT NULL DEFAULT 0",
                """
                UPDATE fin_quarters SET released_minor = COALESCE((SELECT SUM(a.released_minor) FROM fin_accounts a \
                WHERE a.quarter = fin_quarters.quarter), 0)
                """,
            ]),
        // Credits per attribution model. Every order counted before was a version-1 conversion, which
        // every model credits wholly to its campaign: each account's figures go under all five. No ROI
        // report said anything per model yet, so every campaign is reported again, with them.
        Migrations.Migration(
            version: 202,
            [
                .keyedTable(
                    """
                    CREATE TABLE fin_model_credits (campaign_id TEXT NOT NULL, model TEXT NOT NULL, \
                    revenue_minor BIGINT NOT NULL, conversions_bps BIGINT NOT NULL, PRIMARY KEY (campaign_id, model))
                    """),
                .keyedTable(
                    """
                    CREATE TABLE fin_roi_reported_models (campaign_id TEXT NOT NULL, model TEXT NOT NULL, \
                    revenue_minor BIGINT NOT NULL, conversions_bps BIGINT NOT NULL, PRIMARY KEY (campaign_id, model))
                    """),
                """
                INSERT INTO fin_model_credits (campaign_id, model, revenue_minor, conversions_bps) \
                SELECT a.campaign_id, m.model, a.revenue_minor, a.conversions * 10000 FROM fin_accounts a \
                CROSS JOIN (SELECT 'last-touch' AS model UNION ALL SELECT 'first-touch' UNION ALL SELECT 'linear' \
                UNION ALL SELECT 'time-decay' UNION ALL SELECT 'position-based') m WHERE a.conversions > 0
                """,
            ]),
        // Figures by event time. Accounts from before keep channel NULL (unknown: their figures count
        // under `other`) and 0 new customers; their spend and revenue had no event time kept, so the
        // weeks and quarters start empty. ROI reports said nothing of new customers yet (NULL): every
        // campaign is reported again, with them.
        Migrations.Migration(
            version: 203,
            [
                "ALTER TABLE fin_accounts ADD COLUMN channel TEXT",
                "ALTER TABLE fin_accounts ADD COLUMN new_customers BIGINT NOT NULL DEFAULT 0",
                "ALTER TABLE fin_roi_reported ADD COLUMN new_customers BIGINT",
                .keyedTable(
                    """
                    CREATE TABLE fin_channel_weeks (week TEXT NOT NULL, channel TEXT NOT NULL, model TEXT NOT NULL, \
                    spend_minor BIGINT NOT NULL, revenue_minor BIGINT NOT NULL, PRIMARY KEY (week, channel, model))
                    """),
                .keyedTable(
                    """
                    CREATE TABLE fin_quarter_figures (quarter TEXT NOT NULL, channel TEXT NOT NULL, \
                    spend_minor BIGINT NOT NULL, revenue_minor BIGINT NOT NULL, orders BIGINT NOT NULL, \
                    new_customers BIGINT NOT NULL, PRIMARY KEY (quarter, channel))
                    """),
                .keyedTable("CREATE TABLE fin_acquired_customers (customer_id TEXT PRIMARY KEY)"),
                """
                CREATE TABLE fin_acquisition_reported (quarter TEXT PRIMARY KEY, spend_minor BIGINT NOT NULL, \
                revenue_minor BIGINT NOT NULL, orders BIGINT NOT NULL, new_customers BIGINT NOT NULL, \
                revision BIGINT NOT NULL)
                """,
            ]),
        // The last reallocation proposal emitted per quarter, one row per channel.
        Migrations.Migration(
            version: 204,
            [
                .keyedTable(
                    """
                    CREATE TABLE fin_reallocations_reported (quarter TEXT NOT NULL, channel TEXT NOT NULL, \
                    proposed_minor BIGINT NOT NULL, revision BIGINT NOT NULL, PRIMARY KEY (quarter, channel))
                    """)
            ]),
        // The figures by event time per partition too, as IT's counters: instances that share the
        // database add to rows of their own partitions, never wait on one another's. The tables of
        // 203 held nothing a release wrote; they are made again.
        Migrations.Migration(
            version: 205,
            [
                "DROP TABLE fin_channel_weeks",
                "DROP TABLE fin_quarter_figures",
                .keyedTable(
                    """
                    CREATE TABLE fin_channel_weeks (week TEXT NOT NULL, channel TEXT NOT NULL, model TEXT NOT NULL, \
                    partition_id BIGINT NOT NULL, spend_minor BIGINT NOT NULL, revenue_minor BIGINT NOT NULL, \
                    PRIMARY KEY (week, channel, model, partition_id))
                    """),
                .keyedTable(
                    """
                    CREATE TABLE fin_quarter_figures (quarter TEXT NOT NULL, channel TEXT NOT NULL, \
                    partition_id BIGINT NOT NULL, spend_minor BIGINT NOT NULL, revenue_minor BIGINT NOT NULL, \
                    orders BIGINT NOT NULL, new_customers BIGINT NOT NULL, PRIMARY KEY (quarter, channel, partition_id))
                    """),
            ]),
    ]
}
