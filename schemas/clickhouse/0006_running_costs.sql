-- Running cost of open sessions (issue 4), written by the sink from sessions.costs.v1. One row per session: the
-- newest snapshot (highest as_of) wins, so the dashboard's "live sessions with their running cost" is one cheap
-- read. Rows of finished sessions are no longer needed once the session is rated; the TTL drops them.

CREATE TABLE IF NOT EXISTS {database}.running_costs
(
    session_id      String,
    tenant_id       LowCardinality(String),
    charge_point_id String,
    connector_id    UInt16,
    transaction_id  String,
    id_tag          String,
    account_id      Nullable(String),
    site_id         LowCardinality(String),
    tariff_id       LowCardinality(String),
    currency        LowCardinality(String),
    started_at      DateTime64(6, 'UTC'),
    as_of           DateTime64(6, 'UTC'),
    energy_kwh      Decimal(28, 9),
    duration_h      Decimal(28, 9),
    parking_time_h  Decimal(28, 9),
    cost_excl_vat   Decimal(28, 9),
    cost_incl_vat   Decimal(28, 9),
    priced_at       DateTime64(6, 'UTC')
)
ENGINE = ReplacingMergeTree(as_of)
ORDER BY (tenant_id, session_id)
TTL toDateTime(as_of) + INTERVAL 30 DAY;

CREATE VIEW IF NOT EXISTS {database}.running_costs_current AS
SELECT * FROM {database}.running_costs FINAL;

-- Sessions still running: their latest running cost, for sessions with no rated (closed) row yet.
CREATE VIEW IF NOT EXISTS {database}.live_sessions AS
SELECT r.*
FROM {database}.running_costs AS r FINAL
LEFT ANTI JOIN (SELECT DISTINCT tenant_id, session_id FROM {database}.rated_sessions) AS s
    ON r.tenant_id = s.tenant_id AND r.session_id = s.session_id;
