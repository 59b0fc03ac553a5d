-- Notifications drivers and operators act on (issue 5). The notifications table gains what a sender needs to
-- schedule a message (urgent, not_before for quiet hours, the recipient's rate limit) and the trigger behind it;
-- notification_deliveries keeps every delivery attempt a sender made, one row per notification and attempt.

ALTER TABLE {database}.notifications
    ADD COLUMN IF NOT EXISTS trigger_id String DEFAULT '' AFTER session_id,
    ADD COLUMN IF NOT EXISTS urgent Bool DEFAULT false AFTER trigger_id,
    ADD COLUMN IF NOT EXISTS not_before Nullable(DateTime64(6, 'UTC')) AFTER urgent,
    ADD COLUMN IF NOT EXISTS rate_limit_per_hour UInt32 DEFAULT 0 AFTER not_before;

CREATE TABLE IF NOT EXISTS {database}.notification_deliveries
(
    delivery_id     String,
    notification_id String,
    tenant_id       LowCardinality(String),
    account_id      String,
    kind            LowCardinality(String),
    channel         LowCardinality(String),
    recipient       String,
    status          LowCardinality(String),
    attempt         UInt16,
    reason          String,
    attempted_at    DateTime64(6, 'UTC')
)
ENGINE = ReplacingMergeTree
ORDER BY (tenant_id, notification_id, attempt);

CREATE VIEW IF NOT EXISTS {database}.notification_deliveries_current AS
SELECT * FROM {database}.notification_deliveries FINAL;

-- Per notification: its last attempt's status (sent, failed, dead_letter) and how many attempts it took.
CREATE VIEW IF NOT EXISTS {database}.notification_status AS
SELECT
    tenant_id,
    notification_id,
    argMax(status, attempt) AS status,
    max(attempt)            AS attempts,
    max(attempted_at)       AS last_attempt_at
FROM {database}.notification_deliveries FINAL
GROUP BY tenant_id, notification_id;
