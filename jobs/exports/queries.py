"""The export's reads as (sql, params), tested on their text: a period's sessions, line items and billed adjustments,
and the independent sums the reconciliation line compares the written files with.

A session belongs to the month it started in (UTC), as in the data-quality gate (jobs/quality) and re-rating; a
billed session's credit or debit (rating_adjustments) belongs to the month it was created in, a refund's credit note
(credit_note_lines) to the month it was issued in.
"""

from __future__ import annotations

from typing import Any

from pipelines.period import Period

Query = tuple[str, dict[str, Any]]

SESSION_COLUMNS = (
    "tenant_id", "session_id", "revision", "site_id", "charge_point_id", "connector_id", "transaction_id", "id_tag",
    "account_id", "tariff_id", "currency", "started_at", "stopped_at", "energy_wh", "estimated", "stop_reason",
    "total_energy_kwh", "total_time_h", "total_parking_time_h", "total_cost_excl_vat", "total_cost_incl_vat",
    "rated_at",
)  # fmt: skip
LINE_COLUMNS = (
    "tenant_id", "session_id", "revision", "line_no", "currency", "dimension", "kind", "rule_id", "tariff_id",
    "tariff_element", "quantity", "unit", "unit_price", "step_size", "amount_excl_vat", "vat_rate", "amount_incl_vat",
    "description",
)  # fmt: skip
ADJUSTMENT_COLUMNS = (
    "adjustment_id", "tenant_id", "session_id", "revision", "kind", "document_id", "currency", "old_total_excl_vat",
    "old_total_incl_vat", "new_total_excl_vat", "new_total_incl_vat", "difference_excl_vat", "difference_incl_vat",
    "reason", "created_at",
)  # fmt: skip
CREDIT_NOTE_COLUMNS = (
    "credit_note_id", "line_no", "refund_id", "tenant_id", "session_id", "currency", "vat_rate", "amount_excl_vat",
    "vat_amount", "amount_incl_vat", "issued_at",
)  # fmt: skip
ADJUSTED_SESSION_COLUMNS = (
    "account_id", "site_id", "charge_point_id", "connector_id", "id_tag", "started_at", "stopped_at",
    "total_energy_kwh", "total_time_h", "total_parking_time_h",
)  # fmt: skip


def _params(period: Period, tenant_id: str | None) -> dict[str, Any]:
    params: dict[str, Any] = {"start": period.start, "end": period.end}
    if tenant_id is not None:
        params["tenant"] = tenant_id
    return params


def _where(column: str, tenant_id: str | None, alias: str = "") -> str:
    clauses = [f"{column} >= {{start:DateTime64(6, 'UTC')}}", f"{column} < {{end:DateTime64(6, 'UTC')}}"]
    if tenant_id is not None:
        clauses.append(f"{alias}tenant_id = {{tenant:String}}")
    return " AND ".join(clauses)


def sessions_query(database: str, period: Period, tenant_id: str | None) -> Query:
    """The period's sessions at their current revision; anomalies as one comma-separated text (flat files)."""
    columns = ", ".join(SESSION_COLUMNS)
    sql = (
        f"SELECT {columns}, arrayStringConcat(anomalies, ',') AS anomalies "
        f"FROM `{database}`.rated_sessions FINAL WHERE {_where('started_at', tenant_id)} "
        "ORDER BY tenant_id, started_at, session_id"
    )
    return sql, _params(period, tenant_id)


def line_items_query(database: str, period: Period, tenant_id: str | None) -> Query:
    """Line items of the period's sessions, of each session's current revision only."""
    columns = ", ".join(f"li.{name} AS {name}" for name in LINE_COLUMNS)
    sql = (
        f"SELECT {columns} FROM `{database}`.session_line_items AS li FINAL "
        f"INNER JOIN (SELECT tenant_id, session_id, revision FROM `{database}`.rated_sessions FINAL "
        f"WHERE {_where('started_at', tenant_id)}) AS s "
        "ON li.tenant_id = s.tenant_id AND li.session_id = s.session_id AND li.revision = s.revision "
        "ORDER BY tenant_id, session_id, line_no"
    )
    return sql, _params(period, tenant_id)


def adjustments_query(database: str, period: Period, tenant_id: str | None) -> Query:
    """Credits and debits on billed sessions created in the period, with the VAT rate their amounts imply and the
    session they correct (which may have started in an earlier month)."""
    columns = ", ".join(f"a.{name} AS {name}" for name in ADJUSTMENT_COLUMNS)
    session = ", ".join(f"s.{name} AS {name}" for name in ADJUSTED_SESSION_COLUMNS)
    rate = (
        "if(a.difference_excl_vat = 0, toDecimal32(0, 4), toDecimal32(round(divideDecimal(a.difference_incl_vat - "
        "a.difference_excl_vat, a.difference_excl_vat, 9) * 100, 2), 4)) AS vat_rate"
    )
    sql = (
        f"SELECT {columns}, {rate}, {session} FROM `{database}`.rating_adjustments AS a FINAL "
        f"LEFT JOIN (SELECT * FROM `{database}`.rated_sessions FINAL) AS s "
        "ON a.tenant_id = s.tenant_id AND a.session_id = s.session_id "
        f"WHERE a.billed AND a.kind IN ('credit', 'debit') AND {_where('a.created_at', tenant_id, 'a.')} "
        "ORDER BY tenant_id, created_at, adjustment_id"
    )
    return sql, _params(period, tenant_id)


def credit_notes_query(database: str, period: Period, tenant_id: str | None) -> Query:
    """Credit-note lines (refunds, one per VAT rate, positive) issued in the period, with the refunded session."""
    columns = ", ".join(f"c.{name} AS {name}" for name in CREDIT_NOTE_COLUMNS)
    session = ", ".join(f"s.{name} AS {name}" for name in ADJUSTED_SESSION_COLUMNS if name != "account_id")
    sql = (
        f"SELECT {columns}, ifNull(c.account_id, s.account_id) AS account_id, {session} "
        f"FROM `{database}`.credit_note_lines AS c FINAL "
        f"LEFT JOIN (SELECT * FROM `{database}`.rated_sessions FINAL) AS s "
        "ON c.tenant_id = s.tenant_id AND c.session_id = s.session_id "
        f"WHERE {_where('c.issued_at', tenant_id, 'c.')} ORDER BY tenant_id, issued_at, credit_note_id, line_no"
    )
    return sql, _params(period, tenant_id)


def warehouse_totals_query(database: str, period: Period, tenant_id: str | None) -> Query:
    """Exact sums per tenant and currency straight from the tables: sessions, billed credits/debits, less refunds."""
    sessions = (
        "SELECT tenant_id, currency, total_cost_excl_vat AS excl, total_cost_incl_vat AS incl "
        f"FROM `{database}`.rated_sessions FINAL WHERE {_where('started_at', tenant_id)}"
    )
    adjustments = (
        "SELECT tenant_id, currency, difference_excl_vat AS excl, difference_incl_vat AS incl "
        f"FROM `{database}`.rating_adjustments FINAL "
        f"WHERE billed AND kind IN ('credit', 'debit') AND {_where('created_at', tenant_id)}"
    )
    refunds = (
        "SELECT tenant_id, currency, -amount_excl_vat AS excl, -amount_incl_vat AS incl "
        f"FROM `{database}`.credit_note_lines FINAL WHERE {_where('issued_at', tenant_id)}"
    )
    sql = (
        "SELECT tenant_id, currency, toString(sum(excl)) AS net, toString(sum(incl)) AS gross "
        f"FROM ({sessions} UNION ALL {adjustments} UNION ALL {refunds}) "
        "GROUP BY tenant_id, currency ORDER BY tenant_id, currency"
    )
    return sql, _params(period, tenant_id)


def periods_query(database: str, period: Period, tenant_id: str | None) -> Query:
    """Charging and parking periods of the period's sessions (the OCPI CDR's charging_periods)."""
    sql = (
        "SELECT p.tenant_id AS tenant_id, p.session_id AS session_id, p.period_no AS period_no, p.start AS start, "
        "p.kind AS kind, toDecimal64(p.energy_wh, 6) / 1000 AS energy_kwh, "
        "toDecimal64(divideDecimal(toDecimal64(dateDiff('microsecond', p.start, p.end), 0), "
        "toDecimal64(3600000000, 0), 9), 9) AS hours "
        f"FROM `{database}`.session_periods AS p FINAL "
        f"INNER JOIN (SELECT tenant_id, session_id, revision FROM `{database}`.rated_sessions FINAL "
        f"WHERE {_where('started_at', tenant_id)}) AS s "
        "ON p.tenant_id = s.tenant_id AND p.session_id = s.session_id AND p.revision = s.revision "
        "ORDER BY tenant_id, session_id, period_no"
    )
    return sql, _params(period, tenant_id)
