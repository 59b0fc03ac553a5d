-- What sessionization detected about a session (missing_stop, meter_reset, stale_begin_reading, ...) and the
-- central system's verdict on its id tag (issue 3). sessions_current is recreated: a view keeps the column list
-- its SELECT * had when it was created.
ALTER TABLE {database}.rated_sessions
    ADD COLUMN IF NOT EXISTS anomalies Array(LowCardinality(String)) DEFAULT [] AFTER estimated,
    ADD COLUMN IF NOT EXISTS id_tag_status LowCardinality(Nullable(String)) AFTER id_tag;

CREATE OR REPLACE VIEW {database}.sessions_current AS
SELECT * FROM {database}.rated_sessions FINAL;
