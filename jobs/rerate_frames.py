"""Frames read back from ClickHouse turned into the records the pipeline rated: no I/O, tested with small frames.

Fields are matched to columns by name, so a field added to ClosedSession, ChargingPeriod, LineItem or RatedSession
(and stored in a column of the same name) survives a re-rating instead of falling back to its default.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import Any, TypeVar

import polars as pl

from pipelines.rating.models import LineItem, RatedSession
from pipelines.rating.rerate import Amount, PriorEntries, StoredSession
from pipelines.sessions.models import ChargingPeriod, ClosedSession, PeriodKind

Key = tuple[str, str]  # (tenant_id, session_id)
R = TypeVar("R")


@dataclass(frozen=True)
class SessionFrames:
    """One frame per query of jobs.rerate.session_queries, columns named as there."""

    sessions: pl.DataFrame
    periods: pl.DataFrame
    line_items: pl.DataFrame
    billed: pl.DataFrame
    adjustments: pl.DataFrame


@cache
def _fields(cls: type) -> tuple[str, ...]:
    return tuple(field.name for field in dataclasses.fields(cls))


def _names(frame: pl.DataFrame, cls: type, given: tuple[str, ...] = ()) -> list[str]:
    """The frame's columns that are fields of cls (absent fields keep their defaults), but for those `given`."""
    return [name for name in _fields(cls) if name in frame.columns and name not in given]


def _children(frame: pl.DataFrame, order: str, cls: type[R], **convert: Callable[[Any], Any]) -> dict[Key, list[R]]:
    """Records per session, in `order`; `convert` turns a column's value into its field's type."""
    names = _names(frame, cls)
    grouped: dict[Key, list[R]] = {}
    for tenant_id, session_id, *values in (
        frame.sort(["tenant_id", "session_id", order]).select("tenant_id", "session_id", *names).iter_rows()
    ):
        fields = dict(zip(names, values, strict=True))
        for name, to_type in convert.items():
            fields[name] = to_type(fields[name])
        grouped.setdefault((tenant_id, session_id), []).append(cls(**fields))
    return grouped


def _adjustments(frame: pl.DataFrame) -> tuple[dict[Key, list[PriorEntries]], dict[Key, int]]:
    """Billed sessions' credit/debit sums per currency, and the highest adjusted revision of every session."""
    prior: dict[Key, list[PriorEntries]] = {}
    last: dict[Key, int] = {}
    for row in frame.iter_rows(named=True):
        key = (row["tenant_id"], row["session_id"])
        last[key] = max(last.get(key, 0), row["last_revision"])
        if row["billed"]:
            total = Amount(Decimal(row["excl_vat"]), Decimal(row["incl_vat"]))
            prior.setdefault(key, []).append(
                PriorEntries(row["currency"], total, row["last_revision"], row["tariff_id"])
            )
    return prior, last


def stored_sessions(frames: SessionFrames) -> list[StoredSession]:
    """Every session row with its periods, line items, billing document and earlier adjustments."""
    periods = _children(frames.periods, "period_no", ChargingPeriod, kind=PeriodKind)
    items = _children(frames.line_items, "line_no", LineItem)
    documents = {(t, s): d for t, s, d in frames.billed.select("tenant_id", "session_id", "document_id").iter_rows()}
    prior, last = _adjustments(frames.adjustments)
    closed_names = _names(frames.sessions, ClosedSession, ("periods",))
    rated_names = _names(frames.sessions, RatedSession, ("session", "line_items"))
    out = []
    for row in frames.sessions.iter_rows(named=True):
        key = (row["tenant_id"], row["session_id"])
        session = ClosedSession(**{name: row[name] for name in closed_names}, periods=tuple(periods.get(key, ())))
        rated = RatedSession(**{name: row[name] for name in rated_names}, session=session,
                             line_items=tuple(items.get(key, ())))  # fmt: skip
        out.append(StoredSession(rated, documents.get(key), tuple(prior.get(key, ())), last.get(key, 0)))
    return out
