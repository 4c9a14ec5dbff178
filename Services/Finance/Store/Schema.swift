import TriadStorage

/// Finance's tables, as versioned migrations (200 up):
///
/// - `fin_accounts` (`AccountsTable`): one row per campaign.
/// - `fin_quarters` (`QuartersTable`): each quarter's reservations, releases and revision.
/// - `fin_attributed_orders` (`AttributedOrdersTable`): orders already counted.
/// - `fin_roi_reported` (`RoiReportedTable`): what the last ROI report of each campaign said.
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
    ]
}
