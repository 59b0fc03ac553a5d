"""The gate's two reads as (sql, params): a period's current sessions (with their line-item sums) and current lines.

Derived columns are computed here, in ClickHouse's exact Decimal arithmetic, so the expectations only compare
numbers. Every column a check reads comes back as a non-null Int64 - money in whole ledger quanta (1e-9, see
checks.QUANTUM) - because great-expectations compares numpy int64 columns vectorised but calls Python per row
on Decimal objects, and nullable columns would arrive as objects or floats. Where a check does not apply to a row,
its column holds a value that passes: 0 for the charge of a line allowed to be negative and for the VAT deviation
of a line without a rate, 1 line for a session that delivered no energy.

"Current" is computed without FINAL over whole tables: the latest revision of each session that has a row in the
period (LIMIT 1 BY), kept if that revision still starts in the period; line items deduplicated with FINAL restricted
by their sorting key to those sessions.
No table expression has an alias: `JOIN ... USING` needs none, so nothing can be shadowed by a database that
happens to share an alias's name (a database named `p` broke the previous queries).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

from pipelines.money import LEDGER_SCALE

Query = tuple[str, dict[str, Any]]

# Line items that may be negative: discounts (pipelines/rating/models.BENEFIT_KINDS) and max-price reductions.
CREDIT_KINDS = ("off_peak", "loyalty", "subscription", "voucher")
CREDIT_DIMENSIONS = ("MAX_PRICE",)

# Exact for Decimal(28, 9): the product is a whole number; toInt64 raises (DECIMAL_OVERFLOW) beyond 9.2e9.
PER_UNIT = 10**LEDGER_SCALE
NANOS = f"toInt64({{}} * {PER_UNIT})"
# The joins below name no subquery (see the module docstring); ClickHouse asks for aliases unless told not to.
NO_ALIASES = "SETTINGS joined_subquery_requires_alias = 0"


def _period_filter(tenant_id: str | None) -> str:
    clauses = ["started_at >= {start:DateTime64(6, 'UTC')}", "started_at < {end:DateTime64(6, 'UTC')}"]
    if tenant_id is not None:
        clauses.append("tenant_id = {tenant:String}")
    return " AND ".join(clauses)


def _params(period_start: date, period_end: date, tenant_id: str | None) -> dict[str, Any]:
    params: dict[str, Any] = {
        "start": datetime.combine(period_start, time(), tzinfo=UTC),
        "end": datetime.combine(period_end, time(), tzinfo=UTC),
    }
    if tenant_id is not None:
        params["tenant"] = tenant_id
    return params


def _touched(database: str, tenant_id: str | None) -> str:
    """Keys of the sessions with a row (of any revision) started in the period."""
    return f"SELECT tenant_id, session_id FROM `{database}`.rated_sessions WHERE {_period_filter(tenant_id)}"


def _current_sessions(database: str, tenant_id: str | None, columns: str) -> str:
    """The latest revision of the sessions started in the period (a later revision may have moved the start);
    `columns` must include started_at."""
    latest = (
        f"SELECT {columns} FROM `{database}`.rated_sessions WHERE (tenant_id, session_id) IN "
        f"({_touched(database, tenant_id)}) ORDER BY revision DESC LIMIT 1 BY tenant_id, session_id"
    )
    return f"SELECT * FROM ({latest}) WHERE {_period_filter(None)}"


def _lines(database: str, key_columns: str, keys: str, columns: str) -> str:
    """Line items whose leading sorting-key columns are in `keys`, each once: FINAL only merges the parts' rows
    of those keys (the filter is on the key), which measured cheaper than hashing every line for LIMIT 1 BY."""
    return f"SELECT {columns} FROM `{database}`.session_line_items FINAL WHERE ({key_columns}) IN ({keys})"


def sessions_query(database: str, period_start: date, period_end: date, tenant_id: str | None) -> Query:
    """Sessions started in [period_start, period_end) at their latest revision, with their line-item sums."""
    sessions = _current_sessions(
        database,
        tenant_id,
        "tenant_id, session_id, revision, charge_point_id, connector_id, started_at, currency, energy_wh, "
        f"{NANOS.format('total_cost_excl_vat')} AS excl, {NANOS.format('total_cost_incl_vat')} AS incl",
    )
    # every revision's lines of the touched sessions: the join below keeps the current revision's sums
    columns = "tenant_id, session_id, revision, amount_excl_vat, amount_incl_vat"
    lines = _lines(database, "tenant_id, session_id", _touched(database, tenant_id), columns)
    sums = (
        f"SELECT tenant_id, session_id, revision, sum({NANOS.format('amount_excl_vat')}) AS lines_excl, "
        f"sum({NANOS.format('amount_incl_vat')}) AS lines_incl, count() AS line_count "
        f"FROM ({lines}) GROUP BY tenant_id, session_id, revision"
    )
    sql = (
        "SELECT session_id, tenant_id, charge_point_id, connector_id, started_at, currency, "
        "excl AS total_cost_excl_vat, incl AS total_cost_incl_vat, "
        "excl - lines_excl AS line_gap_excl_vat, incl - lines_incl AS line_gap_incl_vat, "
        "toInt64(if(energy_wh > 0, line_count, 1)) AS lines_for_energy "
        f"FROM ({sessions}) LEFT JOIN ({sums}) USING (tenant_id, session_id, revision) "
        f"ORDER BY tenant_id, session_id {NO_ALIASES}"
    )
    return sql, _params(period_start, period_end, tenant_id)


def line_items_query(database: str, period_start: date, period_end: date, tenant_id: str | None) -> Query:
    """The current line items of the period's sessions, money in quanta; see the module docstring for the zeros."""
    credit = f"kind IN {CREDIT_KINDS} OR dimension IN ('{CREDIT_DIMENSIONS[0]}')"
    vat_gap = "amount_incl_vat - amount_excl_vat - amount_excl_vat * vat_rate / 100"
    current = _current_sessions(database, tenant_id, "tenant_id, session_id, revision, started_at")
    lines = _lines(
        database,
        "tenant_id, session_id, revision",
        f"SELECT tenant_id, session_id, revision FROM ({current})",
        "tenant_id, session_id, line_no, "
        f"{NANOS.format('amount_excl_vat')} AS excl, {NANOS.format('amount_incl_vat')} AS incl, ({credit}) AS credit, "
        # rounded away from zero to whole quanta: |gap| <= n quanta exactly when the rounded |gap| is
        f"ifNull(toInt64(sign({vat_gap}) * ceil(abs({vat_gap}) * {PER_UNIT})), 0) AS deviation",
    )
    sql = (
        "SELECT concat(session_id, '#', toString(line_no)) AS line_id, excl AS amount_excl_vat, "
        "incl AS amount_incl_vat, if(credit, 0, excl) AS charge_excl_vat, if(credit, 0, incl) AS charge_incl_vat, "
        f"deviation AS vat_deviation FROM ({lines}) ORDER BY tenant_id, session_id, line_no"
    )
    return sql, _params(period_start, period_end, tenant_id)
