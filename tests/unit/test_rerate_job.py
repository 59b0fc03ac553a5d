"""The re-rating job's pure parts: windows, the exact SQL, frames back to records, adjustment rows."""

from datetime import UTC, date, datetime
from decimal import Decimal

import polars as pl

from jobs.rerate import (
    ADJUSTMENT_COLUMNS,
    Selection,
    adjustment_row,
    day_counts_query,
    plan_windows,
    session_queries,
    tariff_known_query,
    unsettled_query,
)
from jobs.rerate_frames import SessionFrames, stored_sessions
from pipelines.rating.rerate import Amount, PriorEntries, RerateRun, StoredSession, decide
from pipelines.rating.route import rate_with_catalog
from pipelines.warehouse.rows import LINE_ITEM_COLUMNS, PERIOD_COLUMNS, SESSION_COLUMNS, rated_session_rows
from tests.unit.rating.builders import local, session
from tests.unit.rating.priced_catalog import catalog_view

NOW = datetime(2026, 12, 2, tzinfo=UTC)


def test_windows_group_consecutive_days_up_to_the_batch_size_and_skip_empty_ones() -> None:
    counts = [(date(2026, 11, 1), 3), (date(2026, 11, 2), 4), (date(2026, 11, 5), 2), (date(2026, 11, 6), 9)]
    midnight = [datetime(2026, 11, day, tzinfo=UTC) for day in range(1, 8)]
    assert plan_windows(counts, 9) == [((midnight[0], midnight[5]), 9), ((midnight[5], midnight[6]), 9)]
    assert plan_windows(counts, 5) == [
        ((midnight[0], midnight[1]), 3),
        ((midnight[1], midnight[2]), 4),
        ((midnight[4], midnight[5]), 2),
        ((midnight[5], midnight[6]), 9),  # a day bigger than a batch stays whole
    ]
    assert plan_windows([], 10) == []
    assert Selection(date(2026, 11, 1), date(2026, 11, 30)).span == (midnight[0], datetime(2026, 12, 1, tzinfo=UTC))


def test_queries_read_the_latest_revision_of_the_selection_and_bind_every_value() -> None:
    window = (datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 11, 2, tzinfo=UTC))
    queries = session_queries("db", Selection(date(2026, 11, 1), date(2026, 11, 1), "t1", "T1"), window)
    where = (
        "started_at >= {start:DateTime64(6, 'UTC')} AND started_at < {end:DateTime64(6, 'UTC')}"
        " AND tenant_id = {tenant:String} AND tariff_id = {tariff:String}"
    )
    sql, params = queries["sessions"]
    assert (
        sql
        == f"SELECT {', '.join(SESSION_COLUMNS)} FROM db.sessions_current WHERE {where} ORDER BY tenant_id, session_id"
    )
    assert params == {"start": window[0], "end": window[1], "tenant": "t1", "tariff": "T1"}
    latest = f"SELECT tenant_id, session_id, revision FROM db.sessions_current WHERE {where}"
    chosen = f"(tenant_id, session_id, revision) IN ({latest})"
    assert queries["periods"][0] == f"SELECT {', '.join(PERIOD_COLUMNS)} FROM db.session_periods FINAL WHERE {chosen}"
    assert queries["line_items"][0].endswith(f"FROM db.session_line_items FINAL WHERE {chosen}")
    assert "FROM db.billed_sessions FINAL WHERE (tenant_id, session_id) IN" in queries["billed"][0]
    assert "FROM db.rating_adjustments FINAL WHERE (tenant_id, session_id) IN" in queries["adjustments"][0]
    settled = Selection(date(2026, 11, 1), date(2026, 11, 1), settled_before=window[1])
    assert "AND stopped_at < {settled:DateTime64(6, 'UTC')}" in session_queries("db", settled, window)["periods"][0]
    assert unsettled_query("db", settled) == (
        "SELECT count() FROM db.sessions_current WHERE started_at >= {start:DateTime64(6, 'UTC')}"
        " AND started_at < {end:DateTime64(6, 'UTC')} AND stopped_at >= {settled:DateTime64(6, 'UTC')}",
        {"start": window[0], "end": window[1], "settled": window[1]},
    )
    unfiltered = session_queries("db", Selection(date(2026, 11, 1), date(2026, 11, 1)), window)["sessions"]
    assert "tenant_id =" not in unfiltered[0] and set(unfiltered[1]) == {"start", "end"}
    assert day_counts_query("db", Selection(date(2026, 11, 1), date(2026, 11, 1), "t1", "T1")) == (
        f"SELECT toDate(started_at) AS day, count() FROM db.sessions_current WHERE {where} GROUP BY day ORDER BY day",
        {"start": window[0], "end": window[1], "tenant": "t1", "tariff": "T1"},
    )
    assert tariff_known_query("db", "T1", None) == (
        "SELECT DISTINCT tenant_id FROM db.rated_sessions WHERE tariff_id = {tariff:String}",
        {"tariff": "T1", "tenant": None},
    )


def frames_of(rows: dict[str, list[tuple]], billed: list[tuple] = (), adjustments: list[tuple] = ()) -> SessionFrames:
    """Frames shaped like ClickHouse's Arrow answers to session_queries."""
    return SessionFrames(
        sessions=pl.DataFrame(rows["rated_sessions"], schema=SESSION_COLUMNS, orient="row"),
        periods=pl.DataFrame(rows["session_periods"], schema=PERIOD_COLUMNS, orient="row"),
        line_items=pl.DataFrame(rows["session_line_items"], schema=LINE_ITEM_COLUMNS, orient="row"),
        billed=pl.DataFrame(list(billed), schema=["tenant_id", "session_id", "document_id"], orient="row"),
        adjustments=pl.DataFrame(
            list(adjustments),
            schema=[
                "tenant_id",
                "session_id",
                "currency",
                "billed",
                "last_revision",
                "excl_vat",
                "incl_vat",
                "tariff_id",
            ],
            orient="row",
        ),
    )


def test_rows_read_back_as_frames_rebuild_the_rated_session_exactly() -> None:
    closed = session(local("2026-11-23T10:00"), ("c", 30, "7.5"), ("p", 20, 0), ("c", 10, "1.25"))
    rated = rate_with_catalog(closed, catalog_view(), rated_at=NOW)
    (stored,) = stored_sessions(frames_of(rated_session_rows(rated)))
    assert stored == StoredSession(rated)
    assert [p.kind for p in stored.rated.session.periods] == [p.kind for p in closed.periods]


def test_billing_and_earlier_adjustments_come_with_the_session() -> None:
    rated = rate_with_catalog(session(local("2026-11-23T10:00"), ("c", 30, 5)), catalog_view(), rated_at=NOW)
    key = ("t1", "t1/CP-1/42")
    adjustments = [
        (*key, "EUR", True, 3, Decimal("-1.5"), Decimal("-1.785"), "T2"),
        (*key, "EUR", False, 2, Decimal("0.5"), Decimal("0.595"), "T1"),
    ]
    (stored,) = stored_sessions(frames_of(rated_session_rows(rated), [(*key, "INV-9")], adjustments))
    assert stored.document_id == "INV-9" and stored.last_adjusted_revision == 3
    assert stored.prior == (PriorEntries("EUR", Amount(Decimal("-1.5"), Decimal("-1.785")), 3, "T2"),)


def test_an_adjustment_row_has_a_value_per_column_and_the_exact_difference() -> None:
    rated = rate_with_catalog(session(local("2026-11-23T10:00"), ("c", 30, 5)), catalog_view(), rated_at=NOW)
    cheaper = rate_with_catalog(rated.session, catalog_view("0.35"), rated_at=NOW)
    decision = decide(StoredSession(rated, "INV-1"), cheaper, RerateRun("why", "who", NOW))
    row = dict(zip(ADJUSTMENT_COLUMNS, adjustment_row(decision.adjustments[0]), strict=True))
    assert (row["kind"], row["credit"], row["billed"], row["credit_reference_id"]) == (
        "credit",
        True,
        True,
        "t1/CP-1/42",
    )
    assert row["difference_incl_vat"] == row["new_total_incl_vat"] - row["old_total_incl_vat"] == Decimal("-0.2975")
    assert (row["reason"], row["created_by"], row["created_at"]) == ("why", "who", NOW)
