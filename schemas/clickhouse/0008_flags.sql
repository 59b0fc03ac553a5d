-- Fraud and anomaly flags (issue 5), written by the sink from flags.v1. One row per finding: flag_id is a hash of
-- tenant, type and evidence keys, so a redelivered or re-raised flag replaces its row. The pipeline writes
-- revision 0 (status open); an operator's status change (acknowledged, resolved, dismissed) is a row with a higher
-- revision, which a later redelivery of the pipeline's row cannot undo.

CREATE TABLE IF NOT EXISTS {database}.flags
(
    flag_id      String,
    tenant_id    LowCardinality(String),
    flag_type    LowCardinality(String),
    severity     LowCardinality(String),
    subject_type LowCardinality(String),
    subject      String,
    evidence     String CODEC(ZSTD(3)),
    raised_at    DateTime64(6, 'UTC'),
    status       LowCardinality(String),
    revision     UInt32 DEFAULT 0,
    ingested_at  DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(revision)
PARTITION BY toYYYYMM(raised_at)
ORDER BY (tenant_id, flag_id);

CREATE VIEW IF NOT EXISTS {database}.flags_current AS
SELECT * FROM {database}.flags FINAL;

-- What an operator's dashboard lists: the open flags per tenant, newest first.
CREATE VIEW IF NOT EXISTS {database}.open_flags AS
SELECT tenant_id, flag_id, flag_type, severity, subject_type, subject, evidence, raised_at
FROM {database}.flags FINAL
WHERE status = 'open'
ORDER BY tenant_id, raised_at DESC;

CREATE VIEW IF NOT EXISTS {database}.open_flag_counts AS
SELECT tenant_id, flag_type, severity, count() AS open_flags, max(raised_at) AS latest_raised_at
FROM {database}.flags FINAL
WHERE status = 'open'
GROUP BY tenant_id, flag_type, severity;
