"""The gate's two reads as (sql, params): a period's current sessions and their current line items.

Derived columns are computed here, in ClickHouse's exact Decimal arithmetic, so the expectations only compare
numbers: a gap between a session's totals and its line items, a line's deviation from its VAT rate.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

Query = tuple[str, dict[str, Any]]

# Line items that may be negative: discounts (pipelines/rating/models.BENEFIT_KINDS) and max-price reductions.
CREDIT_KINDS = ("off_peak", "loyalty", "subscription", "voucher")
CREDIT_DIMENSIONS = ("MAX_PRICE",)


def _period_filter(tenant_id: str | None, alias: str = "") -> str:
    clauses = [
        f"{alias}started_at >= {{start:DateTime64(6, 'UTC')}}",
        f"{alias}started_at < {{end:DateTime64(6, 'UTC')}}",
    ]
    if tenant_id is not None:
        clauses.append(f"{alias}tenant_id = {{tenant:String}}")
    return " AND ".join(clauses)


def _params(period_start: date, period_end: date, tenant_id: str | None) -> dict[str, Any]:
    params: dict[str, Any] = {
        "start": datetime.combine(period_start, time(), tzinfo=UTC),
        "end": datetime.combine(period_end, time(), tzinfo=UTC),
    }
    if tenant_id is not None:
        params["tenant"] = tenant_id
    return params


def _period_sessions(database: str, tenant_id: str | None) -> str:
    return (
        f"SELECT tenant_id, session_id, revision FROM `{database}`.rated_sessions FINAL "
        f"WHERE {_period_filter(tenant_id)}"
    )


def _period_lines(database: str, tenant_id: str | None) -> str:
    return (
        f"SELECT li.* FROM `{database}`.session_line_items AS li FINAL "
        f"INNER JOIN ({_period_sessions(database, tenant_id)}) AS p "
        "ON li.tenant_id = p.tenant_id AND li.session_id = p.session_id AND li.revision = p.revision"
    )


def sessions_query(database: str, period_start: date, period_end: date, tenant_id: str | None) -> Query:
    """Sessions started in [period_start, period_end) at their latest revision, with their line-item sums."""
    sql = (
        "SELECT s.tenant_id AS tenant_id, s.session_id AS session_id, s.charge_point_id AS charge_point_id, "
        "s.connector_id AS connector_id, s.started_at AS started_at, s.currency AS currency, "
        "s.energy_wh AS energy_wh, s.total_cost_excl_vat AS total_cost_excl_vat, "
        "s.total_cost_incl_vat AS total_cost_incl_vat, "
        "s.total_cost_excl_vat - l.excl AS line_gap_excl_vat, s.total_cost_incl_vat - l.incl AS line_gap_incl_vat, "
        "if(s.energy_wh > 0, l.lines, NULL) AS lines_for_energy "
        f"FROM `{database}`.rated_sessions AS s FINAL "
        "LEFT JOIN (SELECT tenant_id, session_id, sum(amount_excl_vat) AS excl, sum(amount_incl_vat) AS incl, "
        f"count() AS lines FROM ({_period_lines(database, tenant_id)}) GROUP BY tenant_id, session_id) AS l "
        "ON s.tenant_id = l.tenant_id AND s.session_id = l.session_id "
        f"WHERE {_period_filter(tenant_id, 's.')} "
        "ORDER BY tenant_id, session_id"
    )
    return sql, _params(period_start, period_end, tenant_id)


def line_items_query(database: str, period_start: date, period_end: date, tenant_id: str | None) -> Query:
    """The current line items of the period's sessions; charge_* are null on lines allowed to be negative."""
    credit = f"kind IN {CREDIT_KINDS} OR dimension IN ('{CREDIT_DIMENSIONS[0]}')"
    sql = (
        "SELECT tenant_id, session_id, line_no, concat(session_id, '#', toString(line_no)) AS line_id, kind, "
        "dimension, amount_excl_vat, amount_incl_vat, vat_rate, "
        f"if({credit}, NULL, amount_excl_vat) AS charge_excl_vat, "
        f"if({credit}, NULL, amount_incl_vat) AS charge_incl_vat, "
        "if(vat_rate IS NULL, NULL, amount_incl_vat - amount_excl_vat - amount_excl_vat * vat_rate / 100) "
        "AS vat_deviation "
        f"FROM ({_period_lines(database, tenant_id)}) ORDER BY tenant_id, session_id, line_no"
    )
    return sql, _params(period_start, period_end, tenant_id)
