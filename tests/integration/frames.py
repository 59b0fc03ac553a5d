"""OCPP 1.6 frames in the gateway envelope, written out explicitly so tests show exactly what goes in."""

from __future__ import annotations

from datetime import datetime, timedelta

import orjson


def iso(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%SZ")


def envelope(cp: str, at: datetime, direction: str, action: str, message: list, tenant: str = "e2e") -> bytes:
    return orjson.dumps(
        {
            "charge_point_id": cp,
            "tenant_id": tenant,
            "protocol": "ocpp1.6",
            "received_at": iso(at),
            "direction": direction,
            "action": action,
            "message": message,
        }
    )


def call(cp: str, at: datetime, mid: str, action: str, payload: dict) -> bytes:
    return envelope(cp, at, "upstream", action, [2, mid, action, payload])


def meter(cp: str, at: datetime, mid: str, tx: int, wh: int, watts: int, connector: int = 1) -> bytes:
    return call(
        cp,
        at,
        mid,
        "MeterValues",
        {
            "connectorId": connector,
            "transactionId": tx,
            "meterValue": [
                {
                    "timestamp": iso(at),
                    "sampledValue": [
                        {"value": str(wh), "measurand": "Energy.Active.Import.Register", "unit": "Wh"},
                        {"value": str(watts), "measurand": "Power.Active.Import", "unit": "W"},
                    ],
                }
            ],
        },
    )


def status(cp: str, at: datetime, mid: str, state: str, connector: int = 1) -> bytes:
    return call(
        cp,
        at,
        mid,
        "StatusNotification",
        {"connectorId": connector, "errorCode": "NoError", "status": state, "timestamp": iso(at)},
    )


def session(
    cp: str,
    tx: int,
    tag: str,
    start: datetime,
    meter_start: int,
    energy_wh: int,
    *,
    charge_min: int,
    park_min: int = 0,
    connector: int = 1,
    verdict: str = "Accepted",
) -> list[bytes]:
    """A whole session: start + confirmation (the central system's `verdict` on the card), charging with meter
    values each 5 minutes, optional parking (SuspendedEV) at the end, stop. Energy is spread evenly over the charging
    minutes."""
    p = f"{cp}-{tx}"
    frames = [
        status(cp, start, f"{p}-s0", "Preparing", connector),
        call(
            cp,
            start,
            f"{p}-start",
            "StartTransaction",
            {"connectorId": connector, "idTag": tag, "meterStart": meter_start, "timestamp": iso(start)},
        ),
        envelope(
            cp,
            start,
            "downstream",
            "StartTransaction",
            [3, f"{p}-start", {"transactionId": tx, "idTagInfo": {"status": verdict}}],
        ),
        status(cp, start, f"{p}-s1", "Charging", connector),
    ]
    for minute in range(5, charge_min + 1, 5):
        wh = meter_start + energy_wh * minute // charge_min
        frames.append(meter(cp, start + timedelta(minutes=minute), f"{p}-m{minute}", tx, wh, 11000, connector))
    charged = start + timedelta(minutes=charge_min)
    if park_min:
        frames.append(status(cp, charged, f"{p}-s2", "SuspendedEV", connector))
    stop = charged + timedelta(minutes=park_min)
    frames.append(
        call(
            cp,
            stop,
            f"{p}-stop",
            "StopTransaction",
            {
                "transactionId": tx,
                "idTag": tag,
                "meterStop": meter_start + energy_wh,
                "timestamp": iso(stop),
                "reason": "EVDisconnected",
            },
        )
    )
    frames.append(
        envelope(cp, stop, "downstream", "StopTransaction", [3, f"{p}-stop", {"idTagInfo": {"status": "Accepted"}}])
    )
    frames.append(status(cp, stop, f"{p}-s3", "Finishing", connector))
    return frames


def unstopped(
    cp: str, tx: int, tag: str, start: datetime, meter_start: int, energy_wh: int, *, charge_min: int, connector: int
) -> list[bytes]:
    """`session` without its ending (stop request, its answer, Finishing): a transaction the station never closed."""
    return session(cp, tx, tag, start, meter_start, energy_wh, charge_min=charge_min, connector=connector)[:-3]
