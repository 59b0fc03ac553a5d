"""The gate's queries, declared checks and report text, without a database or great-expectations."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal

from jobs.quality.checks import LINE_ITEMS, SESSIONS, gate_checks
from jobs.quality.gate import Failure, GateReport
from jobs.quality.queries import line_items_query, sessions_query

OCTOBER = (date(2026, 10, 1), date(2026, 11, 1))


def selected_columns(sql: str) -> set[str]:
    return set(re.findall(r"\bAS (\w+)", sql)) | {"tenant_id", "session_id", "amount_excl_vat", "amount_incl_vat"}


def test_queries_filter_the_period_half_open_and_the_tenant_only_when_given() -> None:
    sql, params = sessions_query("db", *OCTOBER, "t1")
    assert "s.started_at >= {start:DateTime64(6, 'UTC')}" in sql and "s.started_at < {end:" in sql
    assert "s.tenant_id = {tenant:String}" in sql and "FROM `db`.rated_sessions AS s FINAL" in sql
    assert params == {"start": datetime(2026, 10, 1, tzinfo=UTC), "end": datetime(2026, 11, 1, tzinfo=UTC),
                      "tenant": "t1"}  # fmt: skip
    sql, params = line_items_query("db", *OCTOBER, None)
    assert "tenant" not in params and "{tenant:String}" not in sql
    assert "li.revision = p.revision" in sql  # only the lines of the latest revision


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
