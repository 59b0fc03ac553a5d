-- Where a line item comes from (issue 4): the OCPI tariff, an idle fee, or a discount, with the rule behind it.
ALTER TABLE {database}.session_line_items
    ADD COLUMN IF NOT EXISTS kind LowCardinality(String) DEFAULT 'tariff' AFTER description,
    ADD COLUMN IF NOT EXISTS rule_id Nullable(String) AFTER kind;

-- A view's `li.*` was expanded when it was created: define it again so that it shows the new columns.
CREATE OR REPLACE VIEW {database}.line_items_current AS
SELECT li.*
FROM {database}.session_line_items AS li FINAL
INNER JOIN (SELECT tenant_id, session_id, revision FROM {database}.rated_sessions FINAL) AS s
    ON li.tenant_id = s.tenant_id AND li.session_id = s.session_id AND li.revision = s.revision;
