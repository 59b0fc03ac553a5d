from datetime import UTC, date, datetime

from jobs.invoices import queries as q
from pipelines.invoicing.period import parse_period

PERIOD = parse_period("2026-10", date(2026, 11, 23))
SETTLED = datetime(2026, 11, 21, tzinfo=UTC)


def test_the_period_takes_settled_unbilled_sessions_with_an_account_started_in_the_month() -> None:
    where, params = q.period_filter("db", PERIOD, SETTLED, "swa")
    assert where == (
        "started_at >= {start:DateTime64(6, 'UTC')} AND started_at < {end:DateTime64(6, 'UTC')}"
        " AND stopped_at < {settled:DateTime64(6, 'UTC')} AND account_id IS NOT NULL"
        " AND (tenant_id, session_id) NOT IN (SELECT tenant_id, session_id FROM db.invoiced_sessions)"
        " AND (tenant_id, session_id) NOT IN (SELECT tenant_id, session_id FROM db.billed_sessions FINAL)"
        " AND tenant_id = {tenant:String}"
    )
    assert params == {"start": PERIOD.start, "end": PERIOD.end, "settled": SETTLED, "tenant": "swa"}


def test_unsettled_sessions_are_the_same_selection_stopped_inside_the_window() -> None:
    sql, _ = q.unsettled_query("db", PERIOD, SETTLED, None)
    assert "stopped_at >= {settled:DateTime64(6, 'UTC')}" in sql and "stopped_at <" not in sql
    assert "tenant_id = {tenant" not in sql


def test_the_last_number_counts_every_row_taken_whatever_its_status() -> None:
    sql, params = q.last_seq_query("db", "invoice")
    assert sql == "SELECT tenant_id, max(seq) FROM db.invoices WHERE series = {series:String} GROUP BY tenant_id"
    assert params == {"series": "invoice"}


def test_a_number_held_by_two_documents_is_a_clash() -> None:
    sql, _ = q.clashes_query("db")
    assert sql.endswith("GROUP BY tenant_id, series, seq HAVING uniqExact(draft_key) > 1")


def test_credits_come_from_billed_sessions_re_rating_credits_and_invoice_credit_notes() -> None:
    sql, _ = q.credits_query("db")
    assert "FROM db.rating_adjustments_current AS a" in sql and "WHERE a.kind = 'credit'" in sql
    assert "FROM db.credit_notes AS n INNER JOIN db.refunds_current AS r" in sql and "r.method = 'invoice'" in sql
