"""The refund CLI's ClickHouse queries, on their SQL text: parameters bound, never interpolated."""

from datetime import UTC, datetime

from pipelines.refunds.queries import fault_query, refund_query, refunded_query, session_query, vat_shares_query

AT = datetime(2026, 11, 23, 10, tzinfo=UTC)


def test_queries_read_the_deduplicated_views_with_bound_parameters() -> None:
    sql, params = session_query("db", "t1/CP'1/7")
    assert "FROM db.sessions_current WHERE session_id = {session_id:String}" in sql and "CP'1" not in sql
    assert params == {"session_id": "t1/CP'1/7"}
    assert (
        "db.line_items_current" in vat_shares_query("db", "s")[0]
        and "GROUP BY vat_rate" in vat_shares_query("db", "s")[0]
    )
    sql, params = refunded_query("db", "s")
    assert "db.refunds_current" in sql and params["not_counted"] == ["invalid", "refund_failed", "rejected"]
    assert refund_query("db", "r")[1] == {"refund_id": "r"}


def test_a_station_fault_is_looked_up_on_the_connector_or_the_whole_station() -> None:
    sql, params = fault_query("db", ("t1", "A1", "EUR", 1, None, "CP-1", 2, AT, AT))
    assert "status = 'Faulted' AND connector_id IN (0, {connector:UInt32})" in sql and "INTERVAL 300 SECOND" in sql
    assert (params["cp"], params["connector"], params["tenant"]) == ("CP-1", 2, "t1")
