"""The notification kinds drivers and operators receive, and which of them may not wait (urgent)."""

from __future__ import annotations

from enum import StrEnum


class NotificationKind(StrEnum):
    SESSION_STARTED = "session_started"
    SESSION_COMPLETED = "session_completed"
    RUNNING_COST_LIMIT = "running_cost_limit"
    LOW_BALANCE = "low_balance"
    CHARGING_PROBLEM = "charging_problem"
    BLOCKED_CARD = "blocked_card"
    REFUND_DECIDED = "refund_decided"
    INVOICE_ISSUED = "invoice_issued"


# Urgent kinds concern what the driver is doing at a station right now: held back until morning they would be
# useless, so they ignore quiet hours and rate limits. Receipts, balances, refunds and invoices can wait.
URGENT_KINDS = frozenset(
    {
        NotificationKind.SESSION_STARTED,
        NotificationKind.RUNNING_COST_LIMIT,
        NotificationKind.CHARGING_PROBLEM,
        NotificationKind.BLOCKED_CARD,
    }
)
