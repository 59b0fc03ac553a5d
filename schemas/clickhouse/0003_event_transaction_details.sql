-- OCPP 2.0.1 TransactionEvent details and the context of each energy reading (issue 3).
ALTER TABLE {database}.charging_events
    ADD COLUMN IF NOT EXISTS seq_no Nullable(UInt64) AFTER reason,
    ADD COLUMN IF NOT EXISTS trigger_reason LowCardinality(Nullable(String)) AFTER seq_no,
    ADD COLUMN IF NOT EXISTS reading_context LowCardinality(Nullable(String)) AFTER trigger_reason,
    ADD COLUMN IF NOT EXISTS offline Bool DEFAULT false AFTER reading_context;
