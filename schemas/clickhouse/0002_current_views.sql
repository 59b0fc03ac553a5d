-- Deduplicated reads that are exact before merges. Line items and periods follow the session's latest
-- revision, so a re-rated session never shows the lines of an older rating.

CREATE VIEW IF NOT EXISTS {database}.sessions_current AS
SELECT * FROM {database}.rated_sessions FINAL;

CREATE VIEW IF NOT EXISTS {database}.line_items_current AS
SELECT li.*
FROM {database}.session_line_items AS li FINAL
INNER JOIN (SELECT tenant_id, session_id, revision FROM {database}.rated_sessions FINAL) AS s
    ON li.tenant_id = s.tenant_id AND li.session_id = s.session_id AND li.revision = s.revision;

CREATE VIEW IF NOT EXISTS {database}.periods_current AS
SELECT p.*
FROM {database}.session_periods AS p FINAL
INNER JOIN (SELECT tenant_id, session_id, revision FROM {database}.rated_sessions FINAL) AS s
    ON p.tenant_id = s.tenant_id AND p.session_id = s.session_id AND p.revision = s.revision;

CREATE VIEW IF NOT EXISTS {database}.events_current AS
SELECT * FROM {database}.charging_events FINAL;

CREATE VIEW IF NOT EXISTS {database}.notifications_current AS
SELECT * FROM {database}.notifications FINAL;

CREATE VIEW IF NOT EXISTS {database}.dead_letters_current AS
SELECT * FROM {database}.dead_letters FINAL;
