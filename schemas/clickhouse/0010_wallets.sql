-- Prepaid wallets and payments (issue 6), written by the sink from wallet.ledger.v1, payments.requests.v1 and
-- payments.results.v1.
--
-- wallet_ledger is append-only: one row per entry, entry_id a hash of account, kind, reference and revision, so a
-- redelivered entry replaces its row. The balance is the sum of an account's amounts (wallet_balances), always;
-- balance_after is the worker's running sum, kept for statements.

CREATE TABLE IF NOT EXISTS {database}.wallet_ledger
(
    entry_id      String,
    tenant_id     LowCardinality(String),
    account_id    String,
    kind          LowCardinality(String),
    amount        Decimal(28, 9),
    currency      LowCardinality(String),
    balance_after Decimal(28, 9),
    reference     String,
    revision      UInt32,
    created_at    DateTime64(6, 'UTC')
)
ENGINE = ReplacingMergeTree
ORDER BY (tenant_id, account_id, entry_id);

CREATE VIEW IF NOT EXISTS {database}.wallet_ledger_current AS
SELECT * FROM {database}.wallet_ledger FINAL;

CREATE VIEW IF NOT EXISTS {database}.wallet_balances AS
SELECT tenant_id, account_id, currency, sum(amount) AS balance, count() AS entries, max(created_at) AS updated_at
FROM {database}.wallet_ledger FINAL
GROUP BY tenant_id, account_id, currency;

-- One row per payment and status: requested (from the request), then approved, declined, timeout or refused
-- (from results). A timeout may be followed by a final status for the same payment (late success).
CREATE TABLE IF NOT EXISTS {database}.payments
(
    payment_id        String,
    tenant_id         LowCardinality(String),
    account_id        String,
    purpose           LowCardinality(String),
    status            LowCardinality(String),
    amount            Decimal(28, 9),
    currency          LowCardinality(String),
    gateway_reference Nullable(String),
    reason            Nullable(String),
    reference         String,
    session_id        Nullable(String),
    at                DateTime64(6, 'UTC')
)
ENGINE = ReplacingMergeTree
ORDER BY (tenant_id, payment_id, status);

-- A payment's current status: a final one (approved, declined, refused) over timeout over requested.
CREATE VIEW IF NOT EXISTS {database}.payments_current AS
SELECT
    tenant_id, payment_id,
    argMax(status, (multiIf(status IN ('approved', 'declined', 'refused'), 3, status = 'timeout', 2, 1), at)) AS status,
    any(account_id) AS account_id, any(purpose) AS purpose, any(amount) AS amount, any(currency) AS currency,
    any(reference) AS reference, any(session_id) AS session_id,
    max(gateway_reference) AS gateway_reference, min(at) AS requested_at, max(at) AS updated_at
FROM {database}.payments FINAL
GROUP BY tenant_id, payment_id;
