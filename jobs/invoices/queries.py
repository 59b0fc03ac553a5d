"""The invoice job's ClickHouse queries as (sql, params), so their text is tested without a database."""

from __future__ import annotations

from datetime import datetime

from pipelines.period import Period

Query = tuple[str, dict[str, object]]
INVOICE_COLUMNS = (
    "tenant_id", "series", "seq", "number", "draft_key", "account_id", "period", "currency", "language", "issued_at",
    "due_date", "total_excl_vat", "total_vat", "total_incl_vat", "credit_applied", "amount_due",
    "credit_carried_forward", "session_ids", "subscription_plan_id", "credit_ids", "credit_amounts", "document",
    "status", "version",
)  # fmt: skip
SESSION_FIELDS = "tenant_id, session_id, account_id, currency, charge_point_id, started_at, total_energy_kwh"


def _unbilled(database: str) -> str:
    return (
        f"(tenant_id, session_id) NOT IN (SELECT tenant_id, session_id FROM {database}.invoiced_sessions)"
        f" AND (tenant_id, session_id) NOT IN (SELECT tenant_id, session_id FROM {database}.billed_sessions FINAL)"
    )


def period_filter(database: str, period: Period, settled: datetime, tenant_id: str | None) -> Query:
    """Sessions of the period with an account, settled (no late correction expected) and billed by no document."""
    clauses = [
        "started_at >= {start:DateTime64(6, 'UTC')}",
        "started_at < {end:DateTime64(6, 'UTC')}",
        "stopped_at < {settled:DateTime64(6, 'UTC')}",
        "account_id IS NOT NULL",
        _unbilled(database),
    ]
    params: dict[str, object] = {"start": period.start, "end": period.end, "settled": settled}
    if tenant_id is not None:
        clauses.append("tenant_id = {tenant:String}")
        params["tenant"] = tenant_id
    return " AND ".join(clauses), params


def sessions_query(database: str, where: Query) -> Query:
    return f"SELECT {SESSION_FIELDS} FROM {database}.sessions_current WHERE {where[0]}", where[1]


def nets_query(database: str, where: Query) -> Query:
    """Exact net per session and VAT rate of the sessions' current revision; a rate the tariff omits counts as 0."""
    return (
        f"SELECT tenant_id, session_id, ifNull(vat_rate, 0) AS rate, sum(amount_excl_vat)"
        f" FROM {database}.line_items_current WHERE (tenant_id, session_id) IN"
        f" (SELECT tenant_id, session_id FROM {database}.sessions_current WHERE {where[0]})"
        " GROUP BY tenant_id, session_id, rate",
        where[1],
    )


def unsettled_query(database: str, period: Period, settled: datetime, tenant_id: str | None) -> Query:
    """Unbilled sessions of the period left for a later run because late events may still correct them."""
    where, params = period_filter(database, period, settled, tenant_id)
    where = where.replace("stopped_at < {settled", "stopped_at >= {settled")
    return f"SELECT count() FROM {database}.sessions_current WHERE {where}", params


def session_query(database: str, session_id: str) -> Query:
    return (
        f"SELECT {SESSION_FIELDS} FROM {database}.sessions_current WHERE session_id = {{session:String}}",
        {"session": session_id},
    )


def session_nets_query(database: str, session_id: str) -> Query:
    return (
        f"SELECT tenant_id, session_id, ifNull(vat_rate, 0) AS rate, sum(amount_excl_vat)"
        f" FROM {database}.line_items_current WHERE session_id = {{session:String}}"
        " GROUP BY tenant_id, session_id, rate",
        {"session": session_id},
    )


def billed_by_query(database: str, session_id: str) -> Query:
    """The documents that already bill a session: ours (series, number) and any other billed_sessions entry."""
    return (
        f"SELECT series, number FROM {database}.invoiced_sessions WHERE session_id = {{session:String}}"
        f" UNION ALL SELECT 'other', document_id FROM {database}.billed_sessions FINAL"
        " WHERE session_id = {session:String}",
        {"session": session_id},
    )


def fees_billed_query(database: str, period: Period) -> Query:
    """Accounts whose plan fee of the period is on a document already."""
    return (
        f"SELECT DISTINCT tenant_id, account_id FROM {database}.invoices FINAL"
        " WHERE series = 'invoice' AND period = {period:String} AND subscription_plan_id != ''",
        {"period": period.label},
    )


def last_seq_query(database: str, series: str) -> Query:
    """The highest sequence number issued per tenant in a series (rows of any status: a number taken stays taken)."""
    return (
        f"SELECT tenant_id, max(seq) FROM {database}.invoices WHERE series = {{series:String}} GROUP BY tenant_id",
        {"series": series},
    )


def credits_query(database: str) -> Query:
    """Credits owed to accounts (incl. VAT, positive): re-rating's credit entries for billed sessions, and credit
    notes of refunds executed by the method 'invoice' (pipelines/refunds: settled on the next invoice)."""
    return (
        "SELECT a.adjustment_id, a.tenant_id, s.account_id, a.currency, -a.difference_incl_vat"
        f" FROM {database}.rating_adjustments_current AS a"
        f" INNER JOIN (SELECT tenant_id, session_id, account_id FROM {database}.sessions_current) AS s"
        " ON a.tenant_id = s.tenant_id AND a.session_id = s.session_id"
        " WHERE a.kind = 'credit' AND s.account_id IS NOT NULL"
        " UNION ALL SELECT n.credit_note_id, n.tenant_id, n.account_id, n.currency, n.total_incl_vat"
        f" FROM {database}.credit_notes AS n INNER JOIN {database}.refunds_current AS r"
        " ON n.tenant_id = r.tenant_id AND n.refund_id = r.refund_id"
        " WHERE r.method = 'invoice' AND n.account_id IS NOT NULL",
        {},
    )


def credits_used_query(database: str) -> Query:
    return (
        "SELECT tenant_id, credit.1 AS credit_id, sum(credit.2)"
        f" FROM {database}.invoices FINAL ARRAY JOIN arrayZip(credit_ids, credit_amounts) AS credit"
        " GROUP BY tenant_id, credit_id",
        {},
    )


def clashes_query(database: str) -> Query:
    """Numbers taken by more than one document: only overlapping runs can cause it (see store.py)."""
    return (
        f"SELECT tenant_id, series, seq FROM {database}.invoices FINAL"
        " GROUP BY tenant_id, series, seq HAVING uniqExact(draft_key) > 1",
        {},
    )


def pending_query(database: str) -> Query:
    """Documents issued whose follow-up (billed_sessions, files, notification) is not known to be done."""
    return (
        f"SELECT {', '.join(INVOICE_COLUMNS)} FROM {database}.invoices FINAL WHERE status = 'issued'"
        " ORDER BY tenant_id, series, seq",
        {},
    )


def documents_query(database: str, numbers: list[str]) -> Query:
    return (
        f"SELECT tenant_id, number, document FROM {database}.invoices FINAL WHERE number IN {{numbers:Array(String)}}",
        {"numbers": numbers},
    )
