-- Reporting (issue 7): catalog dimensions, the daily reporting grain, connector utilization per hour and the
-- append-only meter roll-up. docs/warehouse.md documents every table and why the grain is built this way.
--
-- Dimensions are written by `chargeledger catalog load` (pipelines/warehouse/dimensions.py), one row per entity
-- and publication; the newest publication wins (ReplacingMergeTree(published_at)). Entities that leave the catalog
-- keep their last row, so old sessions still find their site's or tariff's name. No personal data: accounts
-- carry their customer group and billing mode, not names or contact details.

CREATE TABLE IF NOT EXISTS {database}.dim_tenants
(
    tenant_id    LowCardinality(String),
    name         String,
    currency     LowCardinality(String),
    country      LowCardinality(String),
    published_at DateTime64(6, 'UTC')
)
ENGINE = ReplacingMergeTree(published_at)
ORDER BY tenant_id;

CREATE TABLE IF NOT EXISTS {database}.dim_sites
(
    tenant_id         LowCardinality(String),
    site_id           String,
    name              String,
    time_zone         LowCardinality(String),
    default_tariff_id String,
    published_at      DateTime64(6, 'UTC')
)
ENGINE = ReplacingMergeTree(published_at)
ORDER BY (tenant_id, site_id);

CREATE TABLE IF NOT EXISTS {database}.dim_chargers
(
    tenant_id       LowCardinality(String),
    charge_point_id String,
    site_id         String,
    connectors      UInt16,
    max_power_kw    Float64,
    published_at    DateTime64(6, 'UTC')
)
ENGINE = ReplacingMergeTree(published_at)
ORDER BY (tenant_id, charge_point_id);

CREATE TABLE IF NOT EXISTS {database}.dim_connectors
(
    tenant_id       LowCardinality(String),
    charge_point_id String,
    connector_id    UInt16,
    site_id         String,
    power_type      LowCardinality(String),
    max_power_kw    Float64,
    published_at    DateTime64(6, 'UTC')
)
ENGINE = ReplacingMergeTree(published_at)
ORDER BY (tenant_id, charge_point_id, connector_id);

CREATE TABLE IF NOT EXISTS {database}.dim_tariffs
(
    tenant_id    LowCardinality(String),
    tariff_id    String,
    currency     LowCardinality(String),
    type         LowCardinality(Nullable(String)),
    description  String,
    published_at DateTime64(6, 'UTC')
)
ENGINE = ReplacingMergeTree(published_at)
ORDER BY (tenant_id, tariff_id);

CREATE TABLE IF NOT EXISTS {database}.dim_accounts
(
    tenant_id        LowCardinality(String),
    account_id       String,
    customer_group   LowCardinality(String),
    membership_level LowCardinality(Nullable(String)),
    billing_mode     LowCardinality(String),
    language         LowCardinality(String),
    published_at     DateTime64(6, 'UTC')
)
ENGINE = ReplacingMergeTree(published_at)
ORDER BY (tenant_id, account_id);

-- The daily reporting grain: sessions, energy and revenue per tenant, day (UTC, of the session start), site,
-- charger, tariff, customer group and currency. Aggregated at query time over sessions_current, so a corrected
-- revision replaces the one before instead of being added to it (see docs/warehouse.md).
CREATE VIEW IF NOT EXISTS {database}.usage_daily AS
SELECT
    s.tenant_id                               AS tenant_id,
    toDate(s.started_at)                      AS day,
    s.site_id                                 AS site_id,
    s.charge_point_id                         AS charge_point_id,
    s.tariff_id                               AS tariff_id,
    if(a.customer_group = '', if(s.account_id IS NULL, 'anonymous', 'unknown'), a.customer_group) AS customer_group,
    s.currency                                AS currency,
    count()                                   AS sessions,
    sum(s.total_energy_kwh)                   AS energy_kwh,
    sum(s.total_time_h)                       AS connected_hours,
    sum(s.total_cost_excl_vat)                AS revenue_excl_vat,
    sum(s.total_cost_incl_vat)                AS revenue_incl_vat
FROM {database}.sessions_current AS s
LEFT JOIN (SELECT tenant_id, account_id, customer_group FROM {database}.dim_accounts FINAL) AS a
    ON s.tenant_id = a.tenant_id AND assumeNotNull(s.account_id) = a.account_id
GROUP BY tenant_id, day, site_id, charge_point_id, tariff_id, customer_group, currency;

-- Connector status as intervals: each status lasts until the connector's next status notification (the last one
-- until now). Connector 0 (the whole charger) is left out.
CREATE VIEW IF NOT EXISTS {database}.connector_status_intervals AS
SELECT tenant_id, charge_point_id, connector_id, status, start, least(next_start, now64(6, 'UTC')) AS end
FROM
(
    SELECT
        tenant_id,
        charge_point_id,
        assumeNotNull(connector_id) AS connector_id,
        assumeNotNull(status) AS status,
        coalesce(station_time, received_at) AS start,
        leadInFrame(coalesce(station_time, received_at), 1, now64(6, 'UTC')) OVER (
            PARTITION BY tenant_id, charge_point_id, connector_id ORDER BY start
            ROWS BETWEEN CURRENT ROW AND 1 FOLLOWING
        ) AS next_start
    FROM {database}.events_current
    WHERE kind = 'status' AND status IS NOT NULL AND connector_id > 0
);

-- Utilization per connector and hour (UTC): occupied = the connector's status is not Available, charging = a
-- charging period of a rated session (energy flowing). A connector that charged is occupied at least that long,
-- also when its status notifications are missing. Shares are fractions of the hour (ratios, not money).
CREATE VIEW IF NOT EXISTS {database}.utilization_hourly AS
SELECT
    tenant_id,
    charge_point_id,
    connector_id,
    hour,
    greatest(sum(status_occupied_s), sum(period_charging_s)) AS occupied_s,
    sum(period_charging_s)                                   AS charging_s,
    least(occupied_s / 3600, 1)                AS occupied_share,
    least(charging_s / 3600, 1)                AS charging_share
FROM
(
    SELECT
        tenant_id, charge_point_id, connector_id, hour,
        if(status = 'Available', 0, dateDiff('microsecond', greatest(start, hour), least(end, hour + INTERVAL 1 HOUR)) / 1e6) AS status_occupied_s,
        0 AS period_charging_s
    FROM {database}.connector_status_intervals
    ARRAY JOIN arrayMap(h -> toDateTime64(h, 6, 'UTC'), range(toUInt32(toStartOfHour(start)), toUInt32(end), 3600)) AS hour
    UNION ALL
    SELECT
        s.tenant_id, s.charge_point_id, s.connector_id, hour,
        0 AS status_occupied_s,
        dateDiff('microsecond', greatest(p.start, hour), least(p.end, hour + INTERVAL 1 HOUR)) / 1e6 AS period_charging_s
    FROM {database}.periods_current AS p
    INNER JOIN (SELECT tenant_id, session_id, charge_point_id, connector_id FROM {database}.sessions_current) AS s
        ON p.tenant_id = s.tenant_id AND p.session_id = s.session_id
    ARRAY JOIN arrayMap(h -> toDateTime64(h, 6, 'UTC'), range(toUInt32(toStartOfHour(p.start)), toUInt32(p.end), 3600)) AS hour
    WHERE p.kind = 'charging'
)
GROUP BY tenant_id, charge_point_id, connector_id, hour;

-- Meter readings per connector and hour, kept by a materialized view as the events arrive. Charging events are
-- append-only and every state here is idempotent (uniqExact of event ids, min, max), so a batch the sink replays
-- after a crash changes nothing. The INSERT below backfills the events stored before this migration.
CREATE TABLE IF NOT EXISTS {database}.meter_hourly
(
    tenant_id       LowCardinality(String),
    charge_point_id String,
    connector_id    UInt16,
    hour            DateTime('UTC'),
    readings        AggregateFunction(uniqExact, String),
    first_meter_wh  AggregateFunction(min, Decimal(18, 3)),
    last_meter_wh   AggregateFunction(max, Decimal(18, 3)),
    peak_power_w    AggregateFunction(max, Decimal(18, 3))
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(hour)
ORDER BY (tenant_id, charge_point_id, connector_id, hour);

CREATE MATERIALIZED VIEW IF NOT EXISTS {database}.meter_hourly_mv TO {database}.meter_hourly AS
SELECT
    tenant_id,
    charge_point_id,
    assumeNotNull(connector_id) AS connector_id,
    toStartOfHour(coalesce(station_time, received_at)) AS hour,
    uniqExactState(event_id) AS readings,
    minState(assumeNotNull(meter_wh)) AS first_meter_wh,
    maxState(assumeNotNull(meter_wh)) AS last_meter_wh,
    maxState(coalesce(power_w, toDecimal64(0, 3))) AS peak_power_w
FROM {database}.charging_events
WHERE kind = 'meter_values' AND meter_wh IS NOT NULL AND connector_id IS NOT NULL
GROUP BY tenant_id, charge_point_id, connector_id, hour;

INSERT INTO {database}.meter_hourly
SELECT
    tenant_id,
    charge_point_id,
    assumeNotNull(connector_id) AS connector_id,
    toStartOfHour(coalesce(station_time, received_at)) AS hour,
    uniqExactState(event_id),
    minState(assumeNotNull(meter_wh)),
    maxState(assumeNotNull(meter_wh)),
    maxState(coalesce(power_w, toDecimal64(0, 3)))
FROM {database}.charging_events
WHERE kind = 'meter_values' AND meter_wh IS NOT NULL AND connector_id IS NOT NULL
GROUP BY tenant_id, charge_point_id, connector_id, hour;

-- The roll-up merged: one row per connector and hour.
CREATE VIEW IF NOT EXISTS {database}.meter_hourly_current AS
SELECT
    tenant_id, charge_point_id, connector_id, hour,
    uniqExactMerge(readings) AS readings,
    maxMerge(last_meter_wh) - minMerge(first_meter_wh) AS registered_wh,
    maxMerge(peak_power_w) AS peak_power_w
FROM {database}.meter_hourly
GROUP BY tenant_id, charge_point_id, connector_id, hour;
