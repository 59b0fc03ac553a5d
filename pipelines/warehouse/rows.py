"""Mapping of pipeline records to ClickHouse rows: the column lists and one tuple per row, no I/O."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pipelines.flags.models import Flag
from pipelines.ingest.models import ChargingEvent, DeadLetter
from pipelines.notify.models import Notification, NotificationDelivery
from pipelines.rating.models import RatedSession
from pipelines.rating.running import RunningCost
from pipelines.streaming.avro_compile import RowLayout
from pipelines.wallets.rows import MONEY_COLUMNS, MONEY_RECORDS, money_rows

Row = tuple[Any, ...]

EVENT_COLUMNS = (
    "event_id", "tenant_id", "charge_point_id", "protocol", "direction", "message_type", "message_id",
    "action", "kind", "received_at", "station_time", "connector_id", "transaction_id", "id_tag", "meter_wh",
    "power_w", "current_a", "soc_percent", "status", "error_code", "reason", "seq_no", "trigger_reason",
    "reading_context", "offline", "payload",
)  # fmt: skip
SESSION_COLUMNS = (
    "session_id", "revision", "tenant_id", "site_id", "charge_point_id", "connector_id", "transaction_id",
    "id_tag", "account_id", "tariff_id", "currency", "started_at", "stopped_at", "meter_start_wh",
    "meter_stop_wh", "energy_wh", "stop_reason", "estimated", "total_energy_kwh", "total_time_h",
    "total_parking_time_h", "total_cost_excl_vat", "total_cost_incl_vat", "rated_at", "anomalies", "id_tag_status",
)  # fmt: skip
PERIOD_COLUMNS = (
    "session_id", "revision", "tenant_id", "period_no", "start", "end", "kind", "energy_wh", "max_power_w",
    "max_current_a",
)  # fmt: skip
LINE_ITEM_COLUMNS = (
    "session_id", "revision", "tenant_id", "line_no", "currency", "dimension", "tariff_id", "tariff_element",
    "quantity", "unit", "unit_price", "step_size", "amount_excl_vat", "vat_rate", "amount_incl_vat",
    "description", "kind", "rule_id",
)  # fmt: skip
NOTIFICATION_COLUMNS = (
    "notification_id", "tenant_id", "kind", "account_id", "recipient", "channel", "locale", "subject", "body",
    "session_id", "trigger_id", "urgent", "not_before", "rate_limit_per_hour", "created_at",
)  # fmt: skip
DELIVERY_COLUMNS = (
    "delivery_id", "notification_id", "tenant_id", "account_id", "kind", "channel", "recipient", "status", "attempt",
    "reason", "attempted_at",
)  # fmt: skip
RUNNING_COST_COLUMNS = (
    "session_id", "tenant_id", "charge_point_id", "connector_id", "transaction_id", "id_tag", "account_id",
    "site_id", "tariff_id", "currency", "started_at", "as_of", "energy_kwh", "duration_h", "parking_time_h",
    "cost_excl_vat", "cost_incl_vat", "priced_at",
)  # fmt: skip
DEAD_LETTER_COLUMNS = (
    "dead_letter_id", "tenant_id", "charge_point_id", "stage", "error_class", "reason", "original",
    "received_at", "source_topic", "source_partition", "source_offset",
)  # fmt: skip

FLAG_COLUMNS = (
    "flag_id", "tenant_id", "flag_type", "severity", "subject_type", "subject", "evidence", "raised_at", "status",
)  # fmt: skip

TABLE_COLUMNS = {
    "flags": FLAG_COLUMNS,
    "charging_events": EVENT_COLUMNS,
    "rated_sessions": SESSION_COLUMNS,
    "session_periods": PERIOD_COLUMNS,
    "session_line_items": LINE_ITEM_COLUMNS,
    "notifications": NOTIFICATION_COLUMNS,
    "notification_deliveries": DELIVERY_COLUMNS,
    "dead_letters": DEAD_LETTER_COLUMNS,
    "running_costs": RUNNING_COST_COLUMNS,
    **MONEY_COLUMNS,  # wallet ledger, payments, refund events, credit notes (pipelines/wallets/rows.py)
}

# Flat records read straight from Avro into rows (codec.row_decoder): record name -> (table, layout).
# Each column is the record field of the same name; event_row etc. below are the reference they must equal.
ROW_LAYOUTS: dict[str, tuple[str, RowLayout]] = {
    "ChargingEvent": ("charging_events", RowLayout(EVENT_COLUMNS)),
    "DeadLetter": (
        "dead_letters",
        RowLayout(DEAD_LETTER_COLUMNS, null_defaults=(("tenant_id", ""), ("charge_point_id", ""))),
    ),
    "Notification": ("notifications", RowLayout(NOTIFICATION_COLUMNS)),
    "Flag": ("flags", RowLayout(FLAG_COLUMNS)),
    "NotificationDelivery": ("notification_deliveries", RowLayout(DELIVERY_COLUMNS)),
}


def event_row(e: ChargingEvent) -> Row:
    return (
        e.event_id, e.tenant_id, e.charge_point_id, e.protocol, e.direction, e.message_type, e.message_id,
        e.action, e.kind.value, e.received_at, e.station_time, e.connector_id, e.transaction_id, e.id_tag,
        e.meter_wh, e.power_w, e.current_a, e.soc_percent, e.status, e.error_code, e.reason, e.seq_no,
        e.trigger_reason, e.reading_context, e.offline, e.payload,
    )  # fmt: skip


def dead_letter_row(d: DeadLetter) -> Row:
    return (
        d.dead_letter_id, d.tenant_id or "", d.charge_point_id or "", d.stage, d.error_class.value, d.reason,
        d.original, d.received_at, d.source_topic, d.source_partition, d.source_offset,
    )  # fmt: skip


def notification_row(n: Notification) -> Row:
    return (
        n.notification_id, n.tenant_id, n.kind, n.account_id, n.recipient, n.channel, n.locale, n.subject,
        n.body, n.session_id, n.trigger_id, n.urgent, n.not_before, n.rate_limit_per_hour, n.created_at,
    )  # fmt: skip


def delivery_row(d: NotificationDelivery) -> Row:
    return (
        d.delivery_id, d.notification_id, d.tenant_id, d.account_id, d.kind, d.channel, d.recipient, d.status,
        d.attempt, d.reason, d.attempted_at,
    )  # fmt: skip


def flag_row(f: Flag) -> Row:
    return (
        f.flag_id, f.tenant_id, f.flag_type, f.severity, f.subject_type, f.subject, f.evidence, f.raised_at, f.status,
    )  # fmt: skip


def running_cost_row(c: RunningCost) -> Row:
    return (
        c.session_id, c.tenant_id, c.charge_point_id, c.connector_id, c.transaction_id, c.id_tag, c.account_id,
        c.site_id, c.tariff_id, c.currency, c.started_at, c.as_of, c.energy_kwh, c.duration_h, c.parking_time_h,
        c.cost_excl_vat, c.cost_incl_vat, c.priced_at,
    )  # fmt: skip


def rated_session_rows(r: RatedSession) -> dict[str, list[Row]]:
    """One session row plus its period and line-item rows, all tagged with the session's revision."""
    s = r.session
    session = (
        s.session_id, s.revision, s.tenant_id, r.site_id, s.charge_point_id, s.connector_id, s.transaction_id,
        s.id_tag, r.account_id, r.tariff_id, r.currency, s.started_at, s.stopped_at, s.meter_start_wh,
        s.meter_stop_wh, s.energy_wh, s.stop_reason, s.estimated, r.total_energy_kwh, r.total_time_h,
        r.total_parking_time_h, r.total_cost_excl_vat, r.total_cost_incl_vat, r.rated_at, list(s.anomalies),
        s.id_tag_status,
    )  # fmt: skip
    periods = [
        (s.session_id, s.revision, s.tenant_id, no, p.start, p.end, p.kind.value, p.energy_wh, p.max_power_w,
         p.max_current_a)
        for no, p in enumerate(s.periods)
    ]  # fmt: skip
    items = [
        (s.session_id, s.revision, s.tenant_id, no, r.currency, li.dimension, r.tariff_id, li.tariff_element,
         li.quantity, li.unit, li.unit_price, li.step_size, li.amount_excl_vat, li.vat_rate, li.amount_incl_vat,
         li.description, li.kind, li.rule_id)
        for no, li in enumerate(r.line_items)
    ]  # fmt: skip
    return {"rated_sessions": [session], "session_periods": periods, "session_line_items": items}


def group_rows(records: Iterable[Any]) -> dict[str, list[Row]]:
    """Rows per table for a mixed batch of records."""
    tables: dict[str, list[Row]] = {name: [] for name in TABLE_COLUMNS}
    for record in records:
        if isinstance(record, ChargingEvent):
            tables["charging_events"].append(event_row(record))
        elif isinstance(record, DeadLetter):
            tables["dead_letters"].append(dead_letter_row(record))
        elif isinstance(record, Notification):
            tables["notifications"].append(notification_row(record))
        elif isinstance(record, NotificationDelivery):
            tables["notification_deliveries"].append(delivery_row(record))
        elif isinstance(record, RatedSession):
            for table, rows in rated_session_rows(record).items():
                tables[table].extend(rows)
        elif isinstance(record, Flag):
            tables["flags"].append(flag_row(record))
        elif isinstance(record, RunningCost):
            tables["running_costs"].append(running_cost_row(record))
        elif isinstance(record, MONEY_RECORDS):
            for table, rows in money_rows(record).items():
                tables[table].extend(rows)
        else:
            raise TypeError(f"no warehouse table for {type(record).__name__}")
    return {table: rows for table, rows in tables.items() if rows}
