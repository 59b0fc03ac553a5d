"""The data-quality gate before exports and invoices: great-expectations over a period's current ratings.

`run_gate` reads the period's sessions (latest revision) and their line items from ClickHouse's Arrow output and
validates them with great-expectations in an ephemeral context. A failing gate never raises: it returns a
GateReport whose `render()` names each failed expectation, how many rows broke it and sample offending ids;
callers decide what to do (exports and invoices stop). Database errors do propagate: they are not data defects.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

import pandas as pd
from clickhouse_connect.driver.client import Client

from jobs.quality.checks import (
    ID_COLUMN,
    LINE_ITEMS,
    MONEY_COLUMNS,
    QUANTUM,
    SESSIONS,
    VAT_TOLERANCE,
    Check,
    gate_checks,
)
from jobs.quality.queries import line_items_query, sessions_query

SAMPLE_SIZE = 5


@dataclass(frozen=True)
class Failure:
    """One expectation the period's data broke."""

    check: Check
    unexpected: int
    rows: int
    samples: list[str]  # "id (column=value)" of the first offending rows
    error: str | None = None  # great-expectations could not evaluate the expectation

    def render(self) -> str:
        what = f"{self.check.frame}: {self.check.meaning}"
        spec = f"{self.check.expectation}({', '.join(self.check.columns)})"
        if self.error:
            return f"  x {what}\n    {spec} could not be evaluated: {self.error}"
        lines = [f"  x {what}", f"    {spec}: {self.unexpected} of {self.rows} rows"]
        if self.samples:
            lines.append("    e.g. " + "; ".join(self.samples))
        return "\n".join(lines)


@dataclass(frozen=True)
class GateReport:
    """The gate's verdict on one period (and tenant): passed when no expectation failed."""

    period_start: date
    period_end: date
    tenant_id: str | None
    checked: int  # expectations evaluated
    sessions: int
    line_items: int
    failures: list[Failure] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.failures

    def render(self) -> str:
        scope = f"{self.period_start.isoformat()} to {self.period_end.isoformat()} (end excluded), " + (
            f"tenant {self.tenant_id}" if self.tenant_id else "all tenants"
        )
        counts = f"{self.sessions} sessions, {self.line_items} line items"
        if self.passed:
            return f"data-quality gate passed: {scope}: {self.checked} expectations hold on {counts}"
        head = (
            f"data-quality gate FAILED: {scope}: {len(self.failures)} of {self.checked} expectations failed on {counts}"
        )
        return "\n".join([head, *(failure.render() for failure in self.failures)])


def run_gate(
    client: Client,
    database: str,
    *,
    period_start: date,
    period_end: date,
    tenant_id: str | None,
    vat_tolerance: Decimal = VAT_TOLERANCE,
) -> GateReport:
    """Validate the sessions started in [period_start, period_end) (and their line items) for one or all tenants."""
    frames = {
        SESSIONS: _frame(client, *sessions_query(database, period_start, period_end, tenant_id)),
        LINE_ITEMS: _frame(client, *line_items_query(database, period_start, period_end, tenant_id)),
    }
    checks = gate_checks(vat_tolerance)
    failures = validate(frames, checks)
    return GateReport(
        period_start, period_end, tenant_id, len(checks), len(frames[SESSIONS]), len(frames[LINE_ITEMS]), failures
    )


def _frame(client: Client, sql: str, params: dict[str, Any]) -> pd.DataFrame:
    return client.query_arrow(sql, parameters=params, use_strings=True).to_pandas()


def validate(frames: dict[str, pd.DataFrame], checks: list[Check]) -> list[Failure]:
    """Run the checks on their frames in one ephemeral great-expectations context, one suite per frame (GE
    computes a suite's metrics together); returns the failed checks in the order given.

    A ValidationDefinition loads each frame once (Batch.validate loads it a second time, and GE fingerprints the
    whole frame on every load); SUMMARY results carry the first SAMPLE_SIZE offending ids, which is all we show."""
    gx = _great_expectations()
    context = _ephemeral_context(gx)
    source = context.data_sources.add_pandas("warehouse")
    failures = []
    for name, frame in frames.items():
        mine = [check for check in checks if check.frame == name]
        expectations = [  # results come back in GE's order: meta names the check
            getattr(gx.expectations, check.expectation)(**_in_quanta(check.kwargs), meta={"check": number})
            for number, check in enumerate(mine)
        ]  # given to the suite before it is stored: each add_expectation on a stored suite writes it again
        suite = context.suites.add(gx.ExpectationSuite(name=f"gate_{name}", expectations=expectations))
        batch = source.add_dataframe_asset(name).add_batch_definition_whole_dataframe("period")
        run = gx.ValidationDefinition(name=f"gate_{name}", data=batch, suite=suite)
        result_format = {
            "result_format": "SUMMARY",
            "partial_unexpected_count": SAMPLE_SIZE,
            "unexpected_index_column_names": [ID_COLUMN[name]],
        }
        outcome = run.run(batch_parameters={"dataframe": frame}, result_format=result_format)
        failed = {result.expectation_config.meta["check"]: result for result in outcome.results if not result.success}
        failures += [_failure(mine[number], failed[number], len(frame)) for number in sorted(failed)]
    return failures


def _in_quanta(kwargs: dict[str, Any]) -> dict[str, Any]:
    """The expectation's arguments with bounds on a money column in ledger quanta, like the column itself."""
    if kwargs.get("column") not in MONEY_COLUMNS:
        return kwargs
    bounds = {key: _quanta(kwargs[key]) for key in ("min_value", "max_value") if kwargs.get(key) is not None}
    return kwargs | bounds


def _quanta(amount: Decimal) -> int:
    exact = amount / QUANTUM
    if exact != exact.to_integral_value():
        raise ValueError(f"a money bound must be a whole number of {QUANTUM:f}, got {amount:f}")
    return int(exact)


def _failure(check: Check, result: Any, rows: int) -> Failure:
    error = _exception_message(result.exception_info or {})
    if error is not None:
        return Failure(check, 0, rows, [], error=error)
    details = result.result or {}
    offending = details.get("partial_unexpected_index_list") or []
    return Failure(
        check, int(details.get("unexpected_count") or 0), rows, [_sample(check, row) for row in offending[:SAMPLE_SIZE]]
    )


def _exception_message(info: dict[str, Any]) -> str | None:
    """GE reports an expectation it could not evaluate flat, or (in suite results) per metric it failed to compute."""
    for entry in [info, *(value for value in info.values() if isinstance(value, dict))]:
        if entry.get("raised_exception"):
            return str(entry.get("exception_message"))
    return None


def _sample(check: Check, row: dict[str, Any]) -> str:
    identifier = row.get(ID_COLUMN[check.frame], "?")
    values = ", ".join(
        f"{column}={_text(column, row.get(column))}" for column in check.columns if column != ID_COLUMN[check.frame]
    )
    return f"{identifier} ({values})" if values else str(identifier)


def _text(column: str, value: Any) -> str:
    if column in MONEY_COLUMNS and value is not None:
        value = int(value) * QUANTUM  # back from ledger quanta, exactly
    return f"{value:f}" if isinstance(value, Decimal) else str(value)


def _great_expectations() -> Any:
    """Imported on first use: the import costs about 4 s, which no worker or CLI start-up should pay."""
    logging.getLogger("great_expectations").setLevel(logging.WARNING)
    import great_expectations

    return great_expectations


def _ephemeral_context(gx: Any) -> Any:
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    config = DataContextConfig(
        analytics_enabled=False,
        progress_bars=ProgressBarsConfig(globally=False),
        store_backend_defaults=InMemoryStoreBackendDefaults(),
    )
    return gx.get_context(mode="ephemeral", project_config=config)
