"""The dashboard's SQL, checked on its text: user input only as bound parameters, every panel names its tables."""

from datetime import UTC, datetime
from typing import Any

import pytest

from dashboards import queries
from dashboards.queries import Filters, Query, Result

TENANT = "o'hara; DROP TABLE x"
FILTERS = Filters(TENANT, datetime(2026, 10, 1, tzinfo=UTC), datetime(2026, 11, 1, tzinfo=UTC))
PANELS = [panel(FILTERS) for panel in queries.PANELS]


class NoWarehouse:
    """A client that must not be asked anything: the panel's tables are missing."""

    def query(self, *args: Any, **kwargs: Any) -> None:
        raise AssertionError("queried a warehouse that lacks the panel's tables")


@pytest.mark.parametrize("query", PANELS, ids=lambda q: q.name)
def test_user_input_reaches_clickhouse_only_as_parameters(query: Query) -> None:
    params = query.params(FILTERS)
    assert TENANT not in query.sql and "o'hara" not in query.sql
    assert params["tenant"] == TENANT
    assert "{tenant:String}" in query.sql
    for name in params:
        assert f"{{{name}:" in query.sql, f"{query.name}: parameter {name} is not used"


@pytest.mark.parametrize("query", PANELS, ids=lambda q: q.name)
def test_each_panel_reads_what_it_names(query: Query) -> None:
    assert query.tables
    reads = {"rated_sessions": "sessions_current", "running_costs": "live_sessions", "open_flags": "open_flags"}
    assert any(reads[table] in query.sql for table in query.tables)


def test_period_panels_filter_on_the_period_and_live_panels_do_not() -> None:
    by_name = {query.name: query for query in PANELS}
    for name in ("timeline", "utilization", "sites", "tariff_mix"):
        assert queries.PERIOD in by_name[name].sql
    for name in ("open_flags", "live_sessions"):
        assert "started_at >=" not in by_name[name].sql


def test_timeline_buckets_and_utilization_days_follow_the_period() -> None:
    assert queries.timeline(FILTERS).extra == {"bucket_s": 86400}
    assert queries.utilization(FILTERS).extra == {"chargers": queries.HEATMAP_CHARGERS, "days": 31}


def test_a_panel_whose_tables_are_missing_is_not_queried() -> None:
    result = queries.run(NoWarehouse(), queries.open_flags(FILTERS), FILTERS, frozenset({"rated_sessions"}))  # type: ignore[arg-type]
    assert result == Result(missing=("open_flags",))
    assert queries.tenants(NoWarehouse(), frozenset()) == []  # type: ignore[arg-type]


def test_result_rows_as_dicts() -> None:
    assert Result(("a", "b"), ((1, 2),)).dicts() == [{"a": 1, "b": 2}]
