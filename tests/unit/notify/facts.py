"""Facts of every notification kind, as the pipeline and other helpers pass them, for the notify tests."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal as D

from pipelines.catalog.models import Account, Tenant
from pipelines.notify.kinds import NotificationKind as K

START = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)

FACTS: dict[K, dict[str, object]] = {
    K.SESSION_STARTED: {"station": "CP-7", "session_id": "t1/CP-7/99", "started_at": START},
    K.SESSION_COMPLETED: {
        "station": "CP-7",
        "session_id": "t1/CP-7/99",
        "started_at": START,
        "stopped_at": datetime(2026, 11, 23, 11, 35, 24, tzinfo=UTC),
        "energy_kwh": D("20.45"),
        "currency": "EUR",
        "lines": [("Energy 20.45 kWh", D("8.1234")), ("Parking 0.5 h", D("1.005")), ("Voucher", D("-2.001"))],
    },
    K.RUNNING_COST_LIMIT: {
        "station": "CP-7",
        "session_id": "t1/CP-7/99",
        "cost": D("25.104"),
        "limit": D("25"),
        "currency": "EUR",
        "as_of": NOW,
    },
    K.LOW_BALANCE: {"balance": D("4.5"), "threshold": D("10"), "currency": "EUR"},
    K.CHARGING_PROBLEM: {
        "station": "CP-7",
        "problem": "interrupted",
        "session_id": "t1/CP-7/99",
        "detail": "PowerLoss",
    },
    K.BLOCKED_CARD: {"token": "04A1B2C3D4", "station": "CP-7", "at": START, "status": "blocked"},
    K.REFUND_DECIDED: {
        "refund_id": "R-1",
        "session_id": "t1/CP-7/99",
        "amount": D("3.5"),
        "currency": "EUR",
        "decision": "approved",
        "reason": "",
    },
    K.INVOICE_ISSUED: {
        "invoice_number": "INV-2026-0042",
        "total": D("1234.5"),
        "currency": "EUR",
        "due_date": date(2026, 12, 15),
        "period": "2026-11",
    },
}


def tenant(**overrides: object) -> Tenant:
    return Tenant(**({"tenant_id": "t1", "name": "Op", "currency": "EUR", "country": "DE"} | overrides))  # type: ignore[arg-type]


def account(**overrides: object) -> Account:
    fields = {"account_id": "A1", "tenant_id": "t1", "name": "Kim", "email": "kim@example.org"} | overrides
    return Account(**fields)  # type: ignore[arg-type]
