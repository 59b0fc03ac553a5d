"""What `chargeledger refund` reads from ClickHouse: the rated session's facts and the refunds recorded so far.

Queries are functions returning (sql, parameters), tested on their text; `session_facts` and `refund_of` run them.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from clickhouse_connect.driver.client import Client

from pipelines.money import round_money
from pipelines.refunds.models import NOT_COUNTED, SessionFacts, VatShare

Query = tuple[str, dict[str, Any]]
FAULT_WINDOW_S = 300  # a fault reported up to 5 minutes after the session stopped still explains its end


@dataclass(frozen=True, slots=True)
class RecordedRefund:
    tenant_id: str
    session_id: str
    status: str


def session_query(database: str, session_id: str) -> Query:
    sql = (
        "SELECT tenant_id, account_id, currency, total_cost_incl_vat, stop_reason, charge_point_id, connector_id, "
        f"started_at, stopped_at FROM {database}.sessions_current WHERE session_id = {{session_id:String}} LIMIT 1"
    )
    return sql, {"session_id": session_id}


def vat_shares_query(database: str, session_id: str) -> Query:
    sql = (
        f"SELECT vat_rate, sum(amount_incl_vat) FROM {database}.line_items_current "
        "WHERE session_id = {session_id:String} GROUP BY vat_rate ORDER BY vat_rate"
    )
    return sql, {"session_id": session_id}


def fault_query(database: str, row: tuple) -> Query:
    """Did the station report Faulted on the session's connector (or the whole station) while it ran?"""
    tenant, _, _, _, _, charge_point, connector, started, stopped = row
    sql = (
        f"SELECT count() FROM {database}.events_current WHERE tenant_id = {{tenant:String}} "
        "AND charge_point_id = {cp:String} AND status = 'Faulted' AND connector_id IN (0, {connector:UInt32}) "
        "AND received_at BETWEEN {started:DateTime64(6)} "
        f"AND {{stopped:DateTime64(6)}} + INTERVAL {FAULT_WINDOW_S} SECOND"
    )
    return sql, {"tenant": tenant, "cp": charge_point, "connector": connector, "started": started, "stopped": stopped}


def refunded_query(database: str, session_id: str) -> Query:
    sql = (
        f"SELECT sum(amount) FROM {database}.refunds_current WHERE session_id = {{session_id:String}} "
        "AND status NOT IN {not_counted:Array(String)}"
    )
    return sql, {"session_id": session_id, "not_counted": sorted(NOT_COUNTED)}


def refund_query(database: str, refund_id: str) -> Query:
    sql = f"SELECT tenant_id, session_id, status FROM {database}.refunds_current WHERE refund_id = {{refund_id:String}}"
    return sql, {"refund_id": refund_id}


def _rows(client: Client, query: Query) -> list[tuple]:
    sql, parameters = query
    return [tuple(row) for row in client.query(sql, parameters=parameters).result_rows]


def session_facts(client: Client, database: str, session_id: str) -> tuple[str, SessionFacts] | None:
    """The session's tenant and facts, None if no rated session has that id."""
    rows = _rows(client, session_query(database, session_id))
    if not rows:
        return None
    row = rows[0]
    tenant, account, currency, total, stop_reason = row[:5]
    shares = tuple(VatShare(rate, amount) for rate, amount in _rows(client, vat_shares_query(database, session_id)))
    faulted = _rows(client, fault_query(database, row))[0][0] > 0
    charged = round_money(max(Decimal(total), Decimal(0)), currency)
    return tenant, SessionFacts(account, currency, charged, stop_reason, faulted, shares)


def refunded(client: Client, database: str, session_id: str) -> Decimal:
    """The sum of the session's refunds that still count, as far as the warehouse knows yet."""
    rows = _rows(client, refunded_query(database, session_id))
    return Decimal(rows[0][0] or 0) if rows else Decimal(0)


def refund_of(client: Client, database: str, refund_id: str) -> RecordedRefund | None:
    rows = _rows(client, refund_query(database, refund_id))
    return RecordedRefund(*rows[0]) if rows else None
