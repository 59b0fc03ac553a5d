-- Facts written by the sink. Every table is a ReplacingMergeTree keyed by the record's stable id, so a
-- redelivered batch replaces rows instead of doubling them; read through the *_current views (FINAL) to be
-- exact before background merges.

CREATE TABLE IF NOT EXISTS {database}.charging_events
(
    event_id        String,
    tenant_id       LowCardinality(String),
    charge_point_id String,
    protocol        LowCardinality(String),
    direction       LowCardinality(String),
    message_type    UInt8,
    message_id      String,
    action          LowCardinality(String),
    kind            LowCardinality(String),
    received_at     DateTime64(6, 'UTC'),
    station_time    Nullable(DateTime64(6, 'UTC')),
    connector_id    Nullable(UInt16),
    transaction_id  Nullable(String),
    id_tag          Nullable(String),
    meter_wh        Nullable(Decimal(18, 3)),
    power_w         Nullable(Decimal(18, 3)),
    current_a       Nullable(Decimal(18, 3)),
    soc_percent     Nullable(Decimal(9, 3)),
    status          LowCardinality(Nullable(String)),
    error_code      LowCardinality(Nullable(String)),
    reason          Nullable(String),
    payload         String CODEC(ZSTD(3)),
    ingested_at     DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree
PARTITION BY toYYYYMM(received_at)
ORDER BY (tenant_id, charge_point_id, event_id);

CREATE TABLE IF NOT EXISTS {database}.rated_sessions
(
    session_id           String,
    revision             UInt32,
    tenant_id            LowCardinality(String),
    site_id              LowCardinality(String),
    charge_point_id      String,
    connector_id         UInt16,
    transaction_id       String,
    id_tag               String,
    account_id           Nullable(String),
    tariff_id            LowCardinality(String),
    currency             LowCardinality(String),
    started_at           DateTime64(6, 'UTC'),
    stopped_at           DateTime64(6, 'UTC'),
    meter_start_wh       Decimal(18, 3),
    meter_stop_wh        Decimal(18, 3),
    energy_wh            Decimal(18, 3),
    stop_reason          LowCardinality(Nullable(String)),
    estimated            Bool,
    total_energy_kwh     Decimal(28, 9),
    total_time_h         Decimal(28, 9),
    total_parking_time_h Decimal(28, 9),
    total_cost_excl_vat  Decimal(28, 9),
    total_cost_incl_vat  Decimal(28, 9),
    rated_at             DateTime64(6, 'UTC')
)
ENGINE = ReplacingMergeTree(revision)
ORDER BY (tenant_id, session_id);

CREATE TABLE IF NOT EXISTS {database}.session_periods
(
    session_id    String,
    revision      UInt32,
    tenant_id     LowCardinality(String),
    period_no     UInt16,
    start         DateTime64(6, 'UTC'),
    end           DateTime64(6, 'UTC'),
    kind          LowCardinality(String),
    energy_wh     Decimal(18, 3),
    max_power_w   Nullable(Decimal(18, 3)),
    max_current_a Nullable(Decimal(18, 3))
)
ENGINE = ReplacingMergeTree
ORDER BY (tenant_id, session_id, revision, period_no);

CREATE TABLE IF NOT EXISTS {database}.session_line_items
(
    session_id      String,
    revision        UInt32,
    tenant_id       LowCardinality(String),
    line_no         UInt16,
    currency        LowCardinality(String),
    dimension       LowCardinality(String),
    tariff_id       LowCardinality(String),
    tariff_element  UInt16,
    quantity        Decimal(28, 9),
    unit            LowCardinality(String),
    unit_price      Decimal(28, 9),
    step_size       UInt32,
    amount_excl_vat Decimal(28, 9),
    vat_rate        Nullable(Decimal(9, 4)),
    amount_incl_vat Decimal(28, 9),
    description     String
)
ENGINE = ReplacingMergeTree
ORDER BY (tenant_id, session_id, revision, line_no);

CREATE TABLE IF NOT EXISTS {database}.notifications
(
    notification_id String,
    tenant_id       LowCardinality(String),
    kind            LowCardinality(String),
    account_id      String,
    recipient       String,
    channel         LowCardinality(String),
    locale          LowCardinality(String),
    subject         String,
    body            String,
    session_id      Nullable(String),
    created_at      DateTime64(6, 'UTC')
)
ENGINE = ReplacingMergeTree
ORDER BY (tenant_id, notification_id);

CREATE TABLE IF NOT EXISTS {database}.dead_letters
(
    dead_letter_id   String,
    tenant_id        LowCardinality(String),
    charge_point_id  String,
    stage            LowCardinality(String),
    error_class      LowCardinality(String),
    reason           String,
    original         String CODEC(ZSTD(3)),
    received_at      DateTime64(6, 'UTC'),
    source_topic     LowCardinality(String),
    source_partition Int32,
    source_offset    Int64
)
ENGINE = ReplacingMergeTree
ORDER BY (tenant_id, dead_letter_id);
