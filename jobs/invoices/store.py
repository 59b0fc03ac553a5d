"""Reads and writes of the invoice job in ClickHouse, and why its numbering is safe.

Numbering: a run reads max(seq) per tenant and series, numbers its drafts after it in a fixed order (tenant,
account, currency) and writes all of them as rows of `invoices` in ONE insert. That insert is the commit point:
- a crash before it leaves no trace: no number was taken, the next run numbers from the same max again;
- a crash after it leaves the documents issued (status 'issued'): their numbers are taken and their sessions are
  invoiced (invoices.session_ids is what marks a session invoiced), so the next run neither re-issues them nor skips
  a number, and it first finishes them: billed_sessions rows, files, notification, then status 'completed';
- every follow-up step is idempotent (same billed_sessions rows, same files, same notification id), so finishing
  twice is harmless.
Numbers are gapless because only that insert takes them and it takes max + 1 onwards without holes. Two runs that
overlap in time could both read the same max; the sorting key keeps both documents and the run refuses to continue
(NumberClashError) before publishing anything: run one `chargeledger invoice` at a time per warehouse.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from datetime import datetime
from decimal import Decimal
from typing import Any

import orjson
from clickhouse_connect.driver.client import Client

from jobs.invoices import queries as q
from pipelines.errors import UserError
from pipelines.invoicing.document import to_json_dict
from pipelines.invoicing.models import Credit, Document, SessionCharge
from pipelines.period import Period

ISSUED, COMPLETED = "issued", "completed"


class NumberClashError(UserError):
    """Two documents hold one number: two invoice runs overlapped."""


def _rows(client: Client, query: q.Query) -> list[tuple[Any, ...]]:
    sql, params = query
    return [tuple(row) for row in client.query(sql, parameters=params).result_rows]


def _charges(sessions: list[tuple[Any, ...]], nets: list[tuple[Any, ...]]) -> list[SessionCharge]:
    by_session: dict[tuple[str, str], list[tuple[Decimal, Decimal]]] = defaultdict(list)
    for tenant_id, session_id, rate, net in nets:
        by_session[(tenant_id, session_id)].append((Decimal(rate), Decimal(net)))
    return [
        SessionCharge(
            session_id, tenant_id, account_id, currency, charge_point_id, started_at, Decimal(energy),
            tuple(sorted(by_session.get((tenant_id, session_id)) or [(Decimal(0), Decimal(0))])),
        )
        for tenant_id, session_id, account_id, currency, charge_point_id, started_at, energy in sessions
    ]  # fmt: skip


def period_sessions(
    client: Client, database: str, period: Period, settled: datetime, tenant_id: str | None
) -> list[SessionCharge]:
    """The period's settled, not yet billed sessions with an account, with their exact nets per VAT rate."""
    where = q.period_filter(database, period, settled, tenant_id)
    return _charges(_rows(client, q.sessions_query(database, where)), _rows(client, q.nets_query(database, where)))


def one_session(client: Client, database: str, session_id: str) -> SessionCharge | None:
    found = _charges(
        _rows(client, q.session_query(database, session_id)), _rows(client, q.session_nets_query(database, session_id))
    )
    return found[0] if found else None


def unsettled_count(client: Client, database: str, period: Period, settled: datetime, tenant_id: str | None) -> int:
    return int(_rows(client, q.unsettled_query(database, period, settled, tenant_id))[0][0])


def billed_by(client: Client, database: str, session_id: str) -> list[tuple[str, str]]:
    return [(str(series), str(number)) for series, number in _rows(client, q.billed_by_query(database, session_id))]


def fees_billed(client: Client, database: str, period: Period) -> set[tuple[str, str]]:
    return {(tenant, account) for tenant, account in _rows(client, q.fees_billed_query(database, period))}


def last_seqs(client: Client, database: str, series: str) -> dict[str, int]:
    return {tenant: int(seq) for tenant, seq in _rows(client, q.last_seq_query(database, series))}


def open_credits(client: Client, database: str) -> dict[tuple[str, str], list[Credit]]:
    """Credits per (tenant, account) with what earlier documents did not settle yet, oldest id first."""
    used = {(t, c): Decimal(a) for t, c, a in _rows(client, q.credits_used_query(database))}
    credits: dict[tuple[str, str], list[Credit]] = defaultdict(list)
    for credit_id, tenant, account, currency, amount in sorted(_rows(client, q.credits_query(database))):
        left = Decimal(amount) - used.get((tenant, credit_id), Decimal(0))
        if left > 0:
            credits[(tenant, account)].append(Credit(credit_id, currency, left))
    return credits


def draft_key(doc: Document) -> str:
    """Identifies a document's content: tenant, series, account, period, sessions, plan."""
    text = "\x00".join([doc.tenant_id, doc.series, doc.account_id, doc.period, doc.currency, *sorted(doc.session_ids),
                        doc.subscription_plan_id or ""])  # fmt: skip
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


def document_row(doc: Document) -> tuple[Any, ...]:
    t = doc.totals
    return (
        doc.tenant_id, doc.series, doc.seq, doc.number, draft_key(doc), doc.account_id, doc.period, doc.currency,
        doc.language, doc.issued_at, doc.due_date, t.net, t.vat, t.gross, t.credit_applied, t.due,
        t.credit_carried_forward, list(doc.session_ids), doc.subscription_plan_id or "",
        [c for c, _ in doc.credits_applied], [a for _, a in doc.credits_applied],
        orjson.dumps(to_json_dict(doc)).decode(), ISSUED, 1,
    )  # fmt: skip


def insert_documents(client: Client, database: str, docs: list[Document]) -> None:
    """The commit point of a run: every document of it in one insert (one block, all or nothing)."""
    if docs:
        client.insert("invoices", [document_row(d) for d in docs], column_names=list(q.INVOICE_COLUMNS),
                      database=database)  # fmt: skip


def check_clashes(client: Client, database: str) -> None:
    clashes = _rows(client, q.clashes_query(database))
    if clashes:
        taken = ", ".join(f"{tenant} {series} #{seq}" for tenant, series, seq in clashes)
        raise NumberClashError(f"numbers issued twice by overlapping invoice runs: {taken}; void one document of "
                               "each pair by hand, then run again (one run at a time)")  # fmt: skip


def pending(client: Client, database: str) -> list[dict[str, Any]]:
    """Issued documents whose follow-up is not done, as rows by column name."""
    return [dict(zip(q.INVOICE_COLUMNS, row, strict=True)) for row in _rows(client, q.pending_query(database))]


def record_billed(client: Client, database: str, rows: list[dict[str, Any]]) -> None:
    """The billed_sessions contract (0007): one row per session and document, billed at the issue time."""
    billed = [(s, r["tenant_id"], r["number"], r["issued_at"]) for r in rows for s in r["session_ids"]]
    if billed:
        client.insert("billed_sessions", billed, column_names=["session_id", "tenant_id", "document_id", "billed_at"],
                      database=database)  # fmt: skip


def mark_completed(client: Client, database: str, rows: list[dict[str, Any]]) -> None:
    done = [tuple({**r, "status": COMPLETED, "version": 2}[c] for c in q.INVOICE_COLUMNS) for r in rows]
    if done:
        client.insert("invoices", done, column_names=list(q.INVOICE_COLUMNS), database=database)


def documents(client: Client, database: str, numbers: list[str]) -> dict[str, dict[str, Any]]:
    return {number: orjson.loads(text) for _, number, text in _rows(client, q.documents_query(database, numbers))}
