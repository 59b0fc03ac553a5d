-- Invoices and receipts (issue 6). One row per issued document, written in ONE insert per run together with every
-- other document of that run: the row is the number's allocation, the list of sessions it bills and the document
-- itself (JSON in EN 16931 terms, `document`), so a document either exists whole or not at all.
--
-- Numbering: seq is gapless per (tenant_id, series) and never reused; a run takes max(seq) + 1 onwards. A session in
-- any document's session_ids is invoiced and never billed again. status goes 'issued' -> 'completed' once the
-- follow-up work is done (billed_sessions rows, files, notification); the completed row replaces the issued one
-- (version), and a re-run finishes whatever is still 'issued'. draft_key (a hash of tenant, account, period and
-- sessions) is in the sorting key so that two overlapping runs that took the same number both stay visible and
-- the run detects the clash instead of one document silently replacing the other.

CREATE TABLE IF NOT EXISTS {database}.invoices
(
    tenant_id              LowCardinality(String),
    series                 LowCardinality(String),
    seq                    UInt64,
    number                 String,
    draft_key              String,
    account_id             String,
    period                 String,
    currency               LowCardinality(String),
    language               LowCardinality(String),
    issued_at              DateTime64(6, 'UTC'),
    due_date               Date,
    total_excl_vat         Decimal(28, 9),
    total_vat              Decimal(28, 9),
    total_incl_vat         Decimal(28, 9),
    credit_applied         Decimal(28, 9),
    amount_due             Decimal(28, 9),
    credit_carried_forward Decimal(28, 9),
    session_ids            Array(String),
    subscription_plan_id   String,
    credit_ids             Array(String),
    credit_amounts         Array(Decimal(28, 9)),
    document               String CODEC(ZSTD(3)),
    status                 LowCardinality(String),
    version                UInt8
)
ENGINE = ReplacingMergeTree(version)
ORDER BY (tenant_id, series, seq, draft_key);

CREATE VIEW IF NOT EXISTS {database}.invoices_current AS
SELECT * FROM {database}.invoices FINAL;

-- Every session an invoice or receipt bills, one row each (for analysts; the same as invoices.session_ids).
CREATE VIEW IF NOT EXISTS {database}.invoiced_sessions AS
SELECT tenant_id, arrayJoin(session_ids) AS session_id, number, series, account_id, period, issued_at
FROM {database}.invoices FINAL;
