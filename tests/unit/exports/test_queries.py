from jobs.exports import queries
from jobs.exports.period import parse_period

PERIOD = parse_period("2026-11")


def test_sessions_belong_to_the_month_they_started_in_and_a_tenant_is_a_parameter() -> None:
    sql, params = queries.sessions_query("db", PERIOD, "t1")
    assert "FROM `db`.rated_sessions FINAL WHERE started_at >= {start:DateTime64(6, 'UTC')}" in sql
    assert "started_at < {end:DateTime64(6, 'UTC')} AND tenant_id = {tenant:String}" in sql
    assert params == {"start": PERIOD.start, "end": PERIOD.end, "tenant": "t1"}
    assert "tenant" not in queries.sessions_query("db", PERIOD, None)[1]


def test_line_items_follow_the_current_revision() -> None:
    sql, _ = queries.line_items_query("db", PERIOD, None)
    assert "li.revision = s.revision" in sql and "session_line_items AS li FINAL" in sql


def test_adjustments_are_billed_credits_and_debits_created_in_the_month() -> None:
    sql, _ = queries.adjustments_query("db", PERIOD, "t1")
    assert "WHERE a.billed AND a.kind IN ('credit', 'debit') AND a.created_at >= " in sql
    assert "a.tenant_id = {tenant:String}" in sql and "LEFT JOIN" in sql


def test_the_warehouse_side_sums_base_tables_on_its_own() -> None:
    sql, _ = queries.warehouse_totals_query("db", PERIOD, None)
    assert "rated_sessions FINAL" in sql and "rating_adjustments FINAL" in sql and "UNION ALL" in sql
    assert "session_line_items" not in sql  # independent of the line items the journal is built from
