"""Grafana dashboards: JSON made for the ClickHouse plugin, macros expanded as the plugin expands them."""

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dashboards import grafana
from dashboards.grafana import MacroError, TimeRange

RANGE = TimeRange(datetime(2026, 10, 1, tzinfo=UTC), datetime(2026, 10, 2, 12, 30, 15, 250_000, tzinfo=UTC), 300)
FROM, TO = 1790812800, 1790944215  # the range's bounds in unix seconds
DASHBOARDS = grafana.dashboards()


def test_macros_expand_exactly_as_the_plugin_does() -> None:
    cases = {
        "$__timeFilter(started_at)": f"started_at >= toDateTime({FROM}) AND started_at <= toDateTime({TO})",
        "$__timeFilter_ms(t)": f"t >= fromUnixTimestamp64Milli({FROM}000) AND t <= fromUnixTimestamp64Milli({TO}250)",
        "$__dateFilter(d)": "d >= toDate('2026-10-01') AND d <= toDate('2026-10-02')",
        "$__dateTimeFilter(d, t)": f"(d >= toDate('2026-10-01') AND d <= toDate('2026-10-02')) AND "
        f"(t >= toDateTime({FROM}) AND t <= toDateTime({TO}))",
        "$__timeInterval(started_at)": "toStartOfInterval(toDateTime(started_at), INTERVAL 300 second)",
        "$__timeInterval_ms(t)": "toStartOfInterval(toDateTime64(t, 3), INTERVAL 300000 millisecond)",
        "$__fromTime, $__toTime": f"toDateTime({FROM}), toDateTime({TO})",
        "$__fromTime_ms": f"fromUnixTimestamp64Milli({FROM}000)",
        "$__interval_s": "300",
    }
    for macro, expected in cases.items():
        assert grafana.expand_macros(macro, RANGE) == expected, macro


def test_arguments_may_hold_parentheses() -> None:
    assert grafana.expand_macros("$__timeInterval(toDateTime(a, 'UTC'))", RANGE) == (
        "toStartOfInterval(toDateTime(toDateTime(a, 'UTC')), INTERVAL 300 second)"
    )


@pytest.mark.parametrize(
    ("sql", "problem"),
    [
        ("$__timeFilterr(a)", r"\$__timeFilterr is not a macro"),
        ("$__timeFilter(a, b)", r"takes 1 argument\(s\), got 2"),
        ("$__timeFilter", r"takes 1 argument\(s\), got 0"),
        ("$__timeFilter(a", "unbalanced parenthesis"),
    ],
)
def test_bad_macros_are_refused(sql: str, problem: str) -> None:
    with pytest.raises(MacroError, match=problem):
        grafana.expand_macros(sql, RANGE)


def test_template_variables_as_grafana_formats_them() -> None:
    sql = "tenant_id IN (${tenant:singlequote}) AND site = '$site' AND x = ${site} AND $__fromTime > 0"
    sql += " AND ${tenant:sqlstring}"
    assert grafana.interpolate(sql, {"tenant": ["a", "o'b"], "site": ["S1"]}) == (
        "tenant_id IN ('a','o\\'b') AND site = 'S1' AND x = S1 AND $__fromTime > 0 AND 'a','o''b'"
    )
    with pytest.raises(MacroError, match=r"\$nope is not defined"):
        grafana.interpolate("$nope", {})


@given(st.from_regex(r"[a-z_][a-z0-9_]{0,20}", fullmatch=True))
def test_a_time_filter_bounds_its_column_on_both_sides(column: str) -> None:
    expanded = grafana.expand_macros(f"WHERE $__timeFilter({column})", RANGE)
    assert expanded == f"WHERE {column} >= toDateTime({FROM}) AND {column} <= toDateTime({TO})"


def test_there_are_dashboards_and_every_panel_queries_the_clickhouse_plugin() -> None:
    assert DASHBOARDS
    for name, dashboard in DASHBOARDS.items():
        panels = dashboard["panels"]
        assert len({panel["id"] for panel in panels}) == len(panels), f"{name}: panel ids repeat"
        for panel in panels:
            assert panel["datasource"]["type"] == grafana.PLUGIN, panel["title"]
            for target in panel["targets"]:
                assert target["editorType"] == "sql" and target["format"] in (0, 1), panel["title"]
                assert target["queryType"] == ("timeseries" if target["format"] == 0 else "table")
        assert len(grafana.targets(name, dashboard)) > len(panels)  # the panels' and the tenant variable's


def test_every_query_expands_to_plain_sql() -> None:
    for name, dashboard in DASHBOARDS.items():
        for target in grafana.targets(name, dashboard):
            assert "$" not in grafana.expand(target.sql, RANGE, {"tenant": ["nord"]}), target.panel
