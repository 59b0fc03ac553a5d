"""The gate's queries, declared checks and report text, without a database or great-expectations."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from jobs.quality.checks import LINE_ITEMS, SESSIONS, gate_checks
from jobs.quality.gate import Failure, GateReport
from jobs.quality.queries import line_items_query, sessions_query

OCTOBER = (date(2026, 10, 1), date(2026, 11, 1))


def selected_columns(sql: str) -> set[str]:
    """The names of the outermost SELECT's columns: aliased or bare."""
    head = sql[: sql.index(" FROM (")]
    return set(re.findall(r"\bAS (\w+)", head)) | set(re.findall(r"(?:^SELECT |, )(\w+)(?=, )", head))


def test_queries_filter_the_period_half_open_and_the_tenant_only_when_given() -> None:
    sql, params = sessions_query("db", *OCTOBER, "t1")
    assert "started_at >= {start:DateTime64(6, 'UTC')}" in sql and "started_at < {end:" in sql
    assert "tenant_id = {tenant:String}" in sql and "FROM `db`.rated_sessions" in sql
    assert params == {"start": datetime(2026, 10, 1, tzinfo=UTC), "end": datetime(2026, 11, 1, tzinfo=UTC),
                      "tenant": "t1"}  # fmt: skip
    sql, params = line_items_query("db", *OCTOBER, None)
    assert "tenant" not in params and "{tenant:String}" not in sql
    assert "WHERE (tenant_id, session_id, revision) IN (" in sql  # only the lines of the latest revision


@pytest.mark.parametrize("database", ["p", "s", "li", "l", "db"])
def test_no_name_in_the_queries_is_qualified_by_anything_but_the_database(database: str) -> None:
    """A table alias equal to the database's name shadowed it (`p`.session_line_items was read as a column)."""
    for query in (sessions_query, line_items_query):
        sql = query(database, *OCTOBER, "t1")[0]
        assert set(re.findall(r"(\S+)\.\w", sql)) == {f"`{database}`"}, sql
        assert "rated_sessions FINAL" not in sql  # the period's rows are deduplicated, not whole tables


def test_money_leaves_the_warehouse_as_whole_ledger_quanta() -> None:
    sql = line_items_query("db", *OCTOBER, None)[0]
    assert "toInt64(amount_excl_vat * 1000000000) AS excl" in sql and "excl AS amount_excl_vat" in sql
    assert "ceil(abs(" in sql  # the VAT deviation is rounded away from zero, never into the tolerance


def test_every_check_reads_a_column_its_query_selects() -> None:
    sessions = selected_columns(sessions_query("db", *OCTOBER, None)[0])
    lines = selected_columns(line_items_query("db", *OCTOBER, None)[0])
    for check in gate_checks():
        assert set(check.columns) <= (sessions if check.frame == SESSIONS else lines), check


def test_vat_tolerance_bounds_the_deviation_both_ways() -> None:
    (vat,) = [c for c in gate_checks(Decimal("0.005")) if c.kwargs.get("column") == "vat_deviation"]
    assert vat.frame == LINE_ITEMS and (vat.kwargs["min_value"], vat.kwargs["max_value"]) == (
        Decimal("-0.005"), Decimal("0.005"))  # fmt: skip


def test_report_names_the_expectation_the_count_and_sample_ids() -> None:
    check = next(c for c in gate_checks() if c.kwargs.get("column") == "line_gap_incl_vat")
    failure = Failure(check, 2, 40, ["t1/CP-1/7 (line_gap_incl_vat=0.010000000)"])
    report = GateReport(*OCTOBER, "t1", checked=15, sessions=40, line_items=90, failures=[failure])
    assert not report.passed
    assert report.render().splitlines() == [
        "data-quality gate FAILED: 2026-10-01 to 2026-11-01 (end excluded), tenant t1: 1 of 15 expectations failed "
        "on 40 sessions, 90 line items",
        "  x sessions: line items sum to the session total incl. VAT",
        "    ExpectColumnValuesToBeBetween(line_gap_incl_vat): 2 of 40 rows",
        "    e.g. t1/CP-1/7 (line_gap_incl_vat=0.010000000)",
    ]
    assert (
        GateReport(*OCTOBER, None, 15, 0, 0)
        .render()
        .endswith("all tenants: 15 expectations hold on 0 sessions, 0 line items")
    )
