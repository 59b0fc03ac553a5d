-- Re-rating (issue 4): which sessions were billed, and every difference `chargeledger rerate` found.
--
-- billed_sessions is the contract with invoicing and receipts (issue 6): whatever issues a document that bills a
-- session writes one row here, naming the document; the document bills the session's current rating
-- (sessions_current). A session with a row here is billed: re-rating never changes its rating again and writes
-- credit or debit entries into rating_adjustments instead.

CREATE TABLE IF NOT EXISTS {database}.billed_sessions
(
    session_id  String,
    tenant_id   LowCardinality(String),
    document_id String,
    billed_at   DateTime64(6, 'UTC')
)
ENGINE = ReplacingMergeTree(billed_at)
ORDER BY (tenant_id, session_id, document_id);

-- One row per (session, revision, currency) a re-rating established. kind:
--   revision  an unbilled session got rated_sessions revision `revision` (the latest revision wins everywhere);
--   credit    a billed session costs less now: an OCPI 2.2.1 credit entry (credit = true, credit_reference_id = the
--             billed CDR, i.e. the session id) for the difference;
--   debit     a billed session costs more now: a debit entry for the difference (credit = false).
-- difference = new - old exactly (Decimal, 1e-9); old + difference = new. For billed sessions `old` is what was
-- billed plus every earlier credit and debit, so a re-run finds no difference and writes nothing. The id is a hash
-- of tenant, session, revision and currency: a replayed run replaces its rows instead of adding to them.

CREATE TABLE IF NOT EXISTS {database}.rating_adjustments
(
    adjustment_id       String,
    tenant_id           LowCardinality(String),
    session_id          String,
    revision            UInt32,
    base_revision       UInt32,
    kind                LowCardinality(String),
    billed              Bool,
    document_id         Nullable(String),
    credit              Bool,
    credit_reference_id Nullable(String),
    currency            LowCardinality(String),
    old_tariff_id       LowCardinality(String),
    new_tariff_id       LowCardinality(String),
    old_total_excl_vat  Decimal(28, 9),
    old_total_incl_vat  Decimal(28, 9),
    new_total_excl_vat  Decimal(28, 9),
    new_total_incl_vat  Decimal(28, 9),
    difference_excl_vat Decimal(28, 9),
    difference_incl_vat Decimal(28, 9),
    reason              String,
    created_by          String,
    created_at          DateTime64(6, 'UTC')
)
ENGINE = ReplacingMergeTree
ORDER BY (tenant_id, session_id, adjustment_id);

CREATE VIEW IF NOT EXISTS {database}.billed_sessions_current AS
SELECT * FROM {database}.billed_sessions FINAL;

CREATE VIEW IF NOT EXISTS {database}.rating_adjustments_current AS
SELECT * FROM {database}.rating_adjustments FINAL;
