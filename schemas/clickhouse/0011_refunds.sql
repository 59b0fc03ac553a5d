-- Refunds (issue 6), written by the sink from refunds.events.v1: every state change of every refund, the credit
-- notes for finance and the credit CDRs derived from them.
--
-- event_id is a hash of tenant, refund and status: a redelivered event replaces its row.

CREATE TABLE IF NOT EXISTS {database}.refund_events
(
    event_id       String,
    refund_id      String,
    tenant_id      LowCardinality(String),
    session_id     String,
    account_id     Nullable(String),
    status         LowCardinality(String),
    amount         Decimal(28, 9),
    currency       LowCardinality(String),
    reason         LowCardinality(String),
    method         Nullable(String),
    actor          String,
    detail         String,
    credit_note_id Nullable(String),
    created_at     DateTime64(6, 'UTC')
)
ENGINE = ReplacingMergeTree
ORDER BY (tenant_id, refund_id, event_id);

-- Each refund's latest state (statuses in the order a refund passes them break ties of equal times).
CREATE VIEW IF NOT EXISTS {database}.refunds_current AS
SELECT
    tenant_id, refund_id, any(session_id) AS session_id, any(account_id) AS account_id,
    argMax(status, (created_at, indexOf(['requested', 'invalid', 'pending_review', 'approved', 'rejected',
                                         'executed', 'refunded', 'refund_failed'], status))) AS status,
    argMax(amount, created_at) AS amount, any(currency) AS currency, any(reason) AS reason,
    max(method) AS method, max(credit_note_id) AS credit_note_id,
    min(created_at) AS requested_at, max(created_at) AS updated_at
FROM {database}.refund_events FINAL
GROUP BY tenant_id, refund_id;

-- One row per VAT rate of a credit note: positive credits, rounded to the currency's minor unit, lines summing to
-- the refund (pipelines/refunds/credit_note.py documents the split).
CREATE TABLE IF NOT EXISTS {database}.credit_note_lines
(
    credit_note_id  String,
    line_no         UInt16,
    refund_id       String,
    tenant_id       LowCardinality(String),
    session_id      String,
    account_id      Nullable(String),
    currency        LowCardinality(String),
    vat_rate        Nullable(Decimal(9, 4)),
    amount_excl_vat Decimal(28, 9),
    vat_amount      Decimal(28, 9),
    amount_incl_vat Decimal(28, 9),
    issued_at       DateTime64(6, 'UTC')
)
ENGINE = ReplacingMergeTree
ORDER BY (tenant_id, credit_note_id, line_no);

CREATE VIEW IF NOT EXISTS {database}.credit_notes AS
SELECT
    tenant_id, credit_note_id, any(refund_id) AS refund_id, any(session_id) AS session_id,
    any(account_id) AS account_id, any(currency) AS currency, sum(amount_excl_vat) AS total_excl_vat,
    sum(vat_amount) AS total_vat, sum(amount_incl_vat) AS total_incl_vat, min(issued_at) AS issued_at
FROM {database}.credit_note_lines FINAL
GROUP BY tenant_id, credit_note_id;

-- The OCPI 2.2.1 credit CDR of each credit note: credit = true, credit_reference_id = the credited session's CDR
-- (its session id), costs negative.
CREATE VIEW IF NOT EXISTS {database}.credit_cdrs AS
SELECT
    tenant_id, credit_note_id AS id, true AS credit, session_id AS credit_reference_id, currency,
    -total_excl_vat AS total_cost_excl_vat, -total_incl_vat AS total_cost_incl_vat, issued_at AS last_updated
FROM {database}.credit_notes;
