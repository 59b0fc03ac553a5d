"""The invoice run: gate, drafts, numbering, the one insert that issues, then the idempotent follow-up.

Why the order is safe against re-runs and crashes is explained in store.py.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
from clickhouse_connect.driver.client import Client

from jobs.invoices import store
from jobs.invoices.pdf import render_pdf
from pipelines.catalog.models import Account, BillingMode, SubscriptionPlan, Tenant
from pipelines.catalog.view import CatalogView
from pipelines.errors import UserError
from pipelines.invoicing.draft import Billing, branding_of, invoice_drafts, receipt_draft
from pipelines.invoicing.models import INVOICE, RECEIPT, Document, SessionCharge
from pipelines.invoicing.numbering import number_documents
from pipelines.notify.models import Notification
from pipelines.period import Period

Publish = Callable[[list[Notification]], None]


class GateFailedError(UserError):
    """The data-quality gate found problems in the period's rated sessions; the message is its report."""


class ReceiptError(UserError):
    """A receipt that cannot be issued for the session asked for."""


@dataclass(frozen=True, slots=True)
class Output:
    """Where follow-up work goes: files, the catalog file's folder (logos), and the notification publisher."""

    directory: Path
    logo_base: Path | None
    publish: Publish


@dataclass(slots=True)
class RunSummary:
    issued: list[Document] = field(default_factory=list)
    completed: list[str] = field(default_factory=list)  # numbers finished in this run, earlier crashes' included
    files: list[Path] = field(default_factory=list)
    notifications: int = 0
    unsettled: int = 0  # sessions left for a later run (late events may still correct them)
    not_invoiced: dict[str, int] = field(default_factory=dict)  # sessions skipped, by reason


def check_gate(client: Client, database: str, period: Period, tenant_id: str | None) -> None:
    """H6's great-expectations gate over the period's rated sessions; a failure stops the run with its report."""
    from jobs.quality.gate import run_gate

    report = run_gate(client, database, period_start=period.first, period_end=period.last + timedelta(days=1),
                      tenant_id=tenant_id)  # fmt: skip
    if not report.passed:
        raise GateFailedError(report.render())


def issue_period(
    client: Client,
    database: str,
    catalog: CatalogView,
    period: Period,
    *,
    tenant_id: str | None,
    now: datetime,
    settled: datetime,
    output: Output,
) -> RunSummary:
    """Invoice every postpaid account's unbilled sessions of the period and its plan fee; finish earlier crashes."""
    summary = RunSummary(unsettled=store.unsettled_count(client, database, period, settled, tenant_id))
    sessions = store.period_sessions(client, database, period, settled, tenant_id)
    billings = _billings(client, database, catalog, period, tenant_id, sessions, summary.not_invoiced)
    last = store.last_seqs(client, database, INVOICE)
    by_tenant: dict[str, list[Document]] = defaultdict(list)
    for billing in billings:
        by_tenant[billing.tenant.tenant_id] += invoice_drafts(billing, period, now)
    tenants = {billing.tenant.tenant_id: billing.tenant for billing in billings}
    for tenant_key, drafts in sorted(by_tenant.items()):
        prefix = branding_of(tenants[tenant_key]).invoice_prefix
        drafts.sort(key=lambda d: (d.account_id, d.currency))
        summary.issued += number_documents(drafts, prefix, last.get(tenant_key, 0))
    store.insert_documents(client, database, summary.issued)
    store.check_clashes(client, database)
    finish(client, database, catalog, output, summary)
    return summary


def _billings(
    client: Client,
    database: str,
    catalog: CatalogView,
    period: Period,
    tenant_id: str | None,
    sessions: list[SessionCharge],
    skipped: dict[str, int],
) -> list[Billing]:
    tenants: dict[str, Tenant] = {t.tenant_id: t for t in catalog.entities("tenants")}
    if tenant_id is not None and tenant_id not in tenants:
        raise UserError(f"--tenant {tenant_id!r} is not in the catalog")
    plans: dict[tuple[str, str], SubscriptionPlan] = {
        (p.tenant_id, p.plan_id): p for p in catalog.entities("subscription_plans")
    }
    accounts: dict[tuple[str, str], Account] = {
        (a.tenant_id, a.account_id): a
        for a in catalog.entities("accounts")
        if a.tenant_id in tenants and tenant_id in (None, a.tenant_id)
    }
    by_account: dict[tuple[str, str], list[SessionCharge]] = defaultdict(list)
    for s in sessions:
        account = accounts.get((s.tenant_id, s.account_id or ""))
        if account is not None and account.billing_mode is BillingMode.POSTPAID:
            by_account[(s.tenant_id, account.account_id)].append(s)
        else:
            reason = "whose account is not in the catalog" if account is None else f"of {account.billing_mode} accounts"
            skipped[reason] = skipped.get(reason, 0) + 1
    fees_done = store.fees_billed(client, database, period)
    credits = store.open_credits(client, database)
    billings = []
    for key, account in sorted(accounts.items()):
        if account.billing_mode is not BillingMode.POSTPAID:
            continue
        plan = plans.get((account.tenant_id, account.subscription_plan_id or ""))
        plan = None if key in fees_done else plan
        if by_account.get(key) or plan is not None:
            billings.append(
                Billing(tenants[account.tenant_id], account, tuple(by_account.get(key, ())), plan, tuple(credits[key]))
            )
    return billings


def issue_receipt(
    client: Client, database: str, catalog: CatalogView, session_id: str, *, now: datetime, output: Output
) -> tuple[str, RunSummary]:
    """The receipt of one session that no invoice bills: a new one, or the one issued before (same number)."""
    session = store.one_session(client, database, session_id)
    if session is None:
        raise ReceiptError(f"no rated session {session_id!r} in the warehouse")
    summary = RunSummary()
    billed = store.billed_by(client, database, session_id)
    receipts = [number for series, number in billed if series == RECEIPT]
    if receipts:
        finish(client, database, catalog, output, summary)
        return receipts[0], summary
    if billed:
        raise ReceiptError(f"session {session_id} is billed already, on {billed[0][1]}: no receipt")
    tenant = catalog.tenant(session.tenant_id)
    if tenant is None:
        raise ReceiptError(f"tenant {session.tenant_id!r} of session {session_id} is not in the catalog")
    account = catalog.account(session.tenant_id, session.account_id) if session.account_id else None
    if account is not None and account.billing_mode is BillingMode.POSTPAID:
        raise ReceiptError(f"session {session_id} belongs to postpaid account {account.account_id}: it is billed on "
                           "the monthly invoice, not by receipt")  # fmt: skip
    last = store.last_seqs(client, database, RECEIPT).get(tenant.tenant_id, 0)
    summary.issued = number_documents(
        [receipt_draft(tenant, account, session, now)], branding_of(tenant).invoice_prefix, last
    )
    store.insert_documents(client, database, summary.issued)
    store.check_clashes(client, database)
    finish(client, database, catalog, output, summary)
    return summary.issued[0].number, summary


def finish(client: Client, database: str, catalog: CatalogView, output: Output, summary: RunSummary) -> None:
    """Follow-up of every document still 'issued' (this run's and any a crash left): billed_sessions rows, files,
    notifications, then 'completed'. Each step may repeat without harm."""
    rows = store.pending(client, database)
    if not rows:
        return
    store.record_billed(client, database, rows)
    notifications = []
    for row in rows:
        document = orjson.loads(row["document"])
        summary.files += write_files(document, output.directory / row["tenant_id"], output.logo_base)
        if row["series"] == INVOICE:
            notification = _notification(catalog, row, document)
            if notification is not None:
                notifications.append(notification)
    output.publish(notifications)
    summary.notifications += len(notifications)
    store.mark_completed(client, database, rows)
    summary.completed += [row["number"] for row in rows]


def write_files(document: dict[str, Any], directory: Path, logo_base: Path | None) -> list[Path]:
    """NUMBER.json and NUMBER.pdf; the same document always gives the same JSON bytes."""
    directory.mkdir(parents=True, exist_ok=True)
    number = document["invoice_number"]
    json_path, pdf_path = directory / f"{number}.json", directory / f"{number}.pdf"
    json_path.write_bytes(orjson.dumps(document, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS) + b"\n")
    pdf_path.write_bytes(render_pdf(document, logo_base))
    return [json_path, pdf_path]


def _notification(catalog: CatalogView, row: dict[str, Any], document: dict[str, Any]) -> Notification | None:
    """invoice_issued for the account, keyed by the invoice number (a re-run composes the same id)."""
    from pipelines.notify.compose import compose
    from pipelines.notify.kinds import NotificationKind

    tenant = catalog.tenant(row["tenant_id"])
    account = catalog.account(row["tenant_id"], row["account_id"])
    if tenant is None or account is None:
        return None
    facts = {
        "invoice_number": row["number"],
        "total": row["amount_due"],
        "currency": row["currency"],
        "due_date": row["due_date"],
        "period": row["period"],
    }
    now = datetime.fromisoformat(document["chargeledger"]["issued_at"])
    return compose(NotificationKind.INVOICE_ISSUED, tenant=tenant, account=account, trigger_id=row["number"],
                   facts=facts, now=now)  # fmt: skip
