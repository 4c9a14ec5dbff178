import TriadStorage

/// Finance's tables, as versioned migrations (200 up):
///
/// - `fin_accounts` (`AccountsTable`): one row per campaign.
/// - `fin_quarters` (`QuartersTable`): each quarter's reservations, releases and revision.
/// - `fin_attributed_orders` (`AttributedOrdersTable`): orders already counted.
/// - `fin_roi_reported` (`RoiReportedTable`): what the last ROI report of each campaign said.
/// - `fin_model_credits`, `fin_roi_reported_models` (`ModelFiguresTable`): per campaign and
///   attribution model, what the model credited and what the last ROI report said.
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
    ]
}
