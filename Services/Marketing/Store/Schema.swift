import TriadStorage

/// Marketing's tables, as versioned migrations (300 up):
///
/// - `mkt_campaigns` (`CampaignsTable`): one row per campaign and its state.
/// - `mkt_roi` (`RoiTable`), `mkt_performance` (`PerformanceTable`): the latest report from finance
///   and from IT, by campaign.
/// - `mkt_churn_risk` (`ChurnRiskTable`): customers IT flagged at churn risk.
/// - `mkt_churn_risk_counts` (`ChurnRiskCountsTable`): how many of them are at risk now, by segment.
/// - `mkt_churn_flow` (`ChurnFlowTable`): episodes flagged and recovered per quarter and segment.
/// - `mkt_roi_history` (`RoiHistoryTable`): each campaign's latest ROI reports, for the trend line.
/// - `mkt_envelopes` (`EnvelopesTable`): each quarter's envelope as finance last reported it.
/// - `mkt_roi_by_model` (`RoiByModelTable`): the latest report's figures under each attribution model.
/// - `mkt_markov` (`MarkovTable`), `mkt_markov_shares` (`MarkovSharesTable`): IT's latest data-driven
///   attribution and its shares beside the rule-based ones.
/// - `mkt_reallocations` (`ReallocationsTable`), `mkt_reallocation_channels` (`ReallocationChannelsTable`):
///   finance's latest proposal for each quarter's split over the channels.
/// - `mkt_acquisitions` (`AcquisitionsTable`): finance's acquisition figures for each quarter.
public enum MarketingSchema {
    public static let migrations: [Migrations.Migration] = [
        Migrations.Migration(
            version: 300,
            [
                """
                CREATE TABLE mkt_campaigns (campaign_id TEXT PRIMARY KEY, name TEXT NOT NULL, channel TEXT NOT NULL, \
                segment TEXT NOT NULL, requested_minor BIGINT NOT NULL, currency TEXT NOT NULL, start_date TEXT NOT NULL, \
                end_date TEXT NOT NULL, target_roi_bps BIGINT NOT NULL, status TEXT NOT NULL, approved_minor BIGINT, \
                rejection_reason TEXT, pause_reason TEXT, budget_exceeded BIGINT NOT NULL)
                """,
                """
                CREATE TABLE mkt_roi (campaign_id TEXT PRIMARY KEY, spend_minor BIGINT NOT NULL, \
                revenue_minor BIGINT NOT NULL, conversions BIGINT NOT NULL, currency TEXT NOT NULL)
                """,
                """
                CREATE TABLE mkt_performance (campaign_id TEXT PRIMARY KEY, impressions BIGINT NOT NULL, \
                clicks BIGINT NOT NULL, visits BIGINT NOT NULL, signups BIGINT NOT NULL, purchases BIGINT NOT NULL, \
                revenue_minor BIGINT NOT NULL, currency TEXT NOT NULL)
                """,
                "CREATE TABLE mkt_churn_risk (customer_id TEXT PRIMARY KEY, segment TEXT NOT NULL)",
            ]),
        // Episodes end (churn risk cleared): rows counted before were all open.
        Migrations.Migration(
            version: 301,
            [
                "ALTER TABLE mkt_churn_risk ADD COLUMN at_risk BIGINT NOT NULL DEFAULT 1",
                """
                CREATE TABLE mkt_churn_flow (quarter TEXT NOT NULL, segment TEXT NOT NULL, flagged BIGINT NOT NULL, \
                recovered BIGINT NOT NULL, PRIMARY KEY (quarter, segment))
                """,
            ]),
        Migrations.Migration(
            version: 302,
            [
                """
                CREATE TABLE mkt_roi_history (campaign_id TEXT NOT NULL, reported_at BIGINT NOT NULL, \
                roi_bps BIGINT NOT NULL, PRIMARY KEY (campaign_id, reported_at))
                """,
                """
                CREATE TABLE mkt_envelopes (quarter TEXT PRIMARY KEY, envelope_minor BIGINT NOT NULL, \
                reserved_minor BIGINT NOT NULL, released_minor BIGINT NOT NULL, currency TEXT NOT NULL, \
                revision BIGINT NOT NULL)
                """,
            ]),
        // Attribution models side by side.
        Migrations.Migration(
            version: 303,
            [
                """
                CREATE TABLE mkt_roi_by_model (campaign_id TEXT NOT NULL, model TEXT NOT NULL, \
                revenue_minor BIGINT NOT NULL, conversions_bps BIGINT NOT NULL, PRIMARY KEY (campaign_id, model))
                """,
                """
                CREATE TABLE mkt_markov (subject TEXT PRIMARY KEY, computed_at BIGINT NOT NULL, \
                from_at BIGINT NOT NULL, to_at BIGINT NOT NULL, journeys BIGINT NOT NULL, conversions BIGINT NOT NULL)
                """,
                """
                CREATE TABLE mkt_markov_shares (model TEXT NOT NULL, campaign_id TEXT NOT NULL, bps BIGINT NOT NULL, \
                PRIMARY KEY (model, campaign_id))
                """,
            ]),
        // Budget reallocation and acquisition; a campaign keeps finance's projection from its decision, a
        // ROI report its new customers (NULL: a report from before they were counted).
        Migrations.Migration(
            version: 304,
            [
                "ALTER TABLE mkt_roi ADD COLUMN new_customers BIGINT",
                "ALTER TABLE mkt_campaigns ADD COLUMN projected_revenue_minor BIGINT",
                "ALTER TABLE mkt_campaigns ADD COLUMN projected_roi_bps BIGINT",
                "ALTER TABLE mkt_campaigns ADD COLUMN projection_reason TEXT",
                """
                CREATE TABLE mkt_reallocations (quarter TEXT PRIMARY KEY, model TEXT NOT NULL, \
                envelope_minor BIGINT NOT NULL, currency TEXT NOT NULL, revision BIGINT NOT NULL)
                """,
                """
                CREATE TABLE mkt_reallocation_channels (quarter TEXT NOT NULL, channel TEXT NOT NULL, \
                revision BIGINT NOT NULL, current_share_bps BIGINT NOT NULL, current_minor BIGINT NOT NULL, \
                proposed_minor BIGINT NOT NULL, expected_current_minor BIGINT, expected_proposed_minor BIGINT, \
                marginal_roas_bps BIGINT, reason TEXT NOT NULL, currency TEXT NOT NULL, PRIMARY KEY (quarter, channel))
                """,
                """
                CREATE TABLE mkt_acquisitions (quarter TEXT PRIMARY KEY, spend_minor BIGINT NOT NULL, \
                revenue_minor BIGINT NOT NULL, orders BIGINT NOT NULL, new_customers BIGINT NOT NULL, \
                currency TEXT NOT NULL, revision BIGINT NOT NULL)
                """,
            ]),
        // The briefing reads the customers at churn risk by segment from counts kept with each change;
        // the episodes open now are counted once here.
        Migrations.Migration(
            version: 305,
            [
                .keyedTable("CREATE TABLE mkt_churn_risk_counts (segment TEXT PRIMARY KEY, at_risk BIGINT NOT NULL)"),
                """
                INSERT INTO mkt_churn_risk_counts (segment, at_risk) \
                SELECT segment, COUNT(*) FROM mkt_churn_risk WHERE at_risk = 1 GROUP BY segment
                """,
            ]),
    ]
}
