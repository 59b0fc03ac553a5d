"""Synthetic fleet traffic for benchmarks: whole OCPP 1.6 sessions, meter values dominating as in real fleets."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import orjson

T0 = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)


def _iso(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _envelope(cp: str, tenant: str, at: datetime, direction: str, action: str, message: list) -> bytes:
    return orjson.dumps(
        {
            "charge_point_id": cp,
            "tenant_id": tenant,
            "protocol": "ocpp1.6",
            "received_at": _iso(at),
            "direction": direction,
            "action": action,
            "message": message,
        }
    )


def session_frames(
    cp: str, tenant: str, tx: int, start: datetime, meter_start: int, samples: int, *, id_tag: str = "BENCH0001"
) -> tuple[list[bytes], int]:
    """Frames of one session: start + confirmation, `samples` MeterValues, stop. Returns frames, meter stop."""
    frames = []
    mid = f"{tx}"
    frames.append(
        _envelope(
            cp,
            tenant,
            start,
            "upstream",
            "StartTransaction",
            [
                2,
                f"s{mid}",
                "StartTransaction",
                {"connectorId": 1, "idTag": id_tag, "meterStart": meter_start, "timestamp": _iso(start)},
            ],
        )
    )
    frames.append(
        _envelope(
            cp,
            tenant,
            start,
            "downstream",
            "StartTransaction",
            [3, f"s{mid}", {"transactionId": tx, "idTagInfo": {"status": "Accepted"}}],
        )
    )
    meter = meter_start
    for i in range(samples):
        at = start + timedelta(minutes=i + 1)
        meter += 183
        frames.append(
            _envelope(
                cp,
                tenant,
                at,
                "upstream",
                "MeterValues",
                [
                    2,
                    f"m{mid}-{i}",
                    "MeterValues",
                    {
                        "connectorId": 1,
                        "transactionId": tx,
                        "meterValue": [
                            {
                                "timestamp": _iso(at),
                                "sampledValue": [
                                    {
                                        "value": str(meter),
                                        "context": "Sample.Periodic",
                                        "measurand": "Energy.Active.Import.Register",
                                        "unit": "Wh",
                                    },
                                    {
                                        "value": "11000",
                                        "context": "Sample.Periodic",
                                        "measurand": "Power.Active.Import",
                                        "unit": "W",
                                    },
                                    {
                                        "value": "16.0",
                                        "context": "Sample.Periodic",
                                        "measurand": "Current.Import",
                                        "unit": "A",
                                    },
                                ],
                            }
                        ],
                    },
                ],
            )
        )
    stop = start + timedelta(minutes=samples + 1)
    frames.append(
        _envelope(
            cp,
            tenant,
            stop,
            "upstream",
            "StopTransaction",
            [
                2,
                f"t{mid}",
                "StopTransaction",
                {"transactionId": tx, "meterStop": meter, "timestamp": _iso(stop), "reason": "EVDisconnected"},
            ],
        )
    )
    return frames, meter


def charge_point_ids(prefix: str, count: int) -> list[str]:
    return [f"{prefix}-{n:05d}" for n in range(count)]


DRIVERS = 500  # tokens, each its own account: a driver charges about once a day, as in real traffic


def driver_tag(tx: int) -> str:
    return f"BENCH{tx % DRIVERS:04d}"


def fleet(
    charge_points: int, sessions_per_cp: int, samples: int, tenant: str = "bench", prefix: str = "BENCH"
) -> Iterator[tuple[bytes, bytes]]:
    """(key, value) frames for a fleet; charge points interleave as they would on a shared topic."""
    per_cp = []
    tx = 1
    for cp in charge_point_ids(prefix, charge_points):
        frames: list[bytes] = []
        meter = 0
        for s in range(sessions_per_cp):
            start = T0 + timedelta(hours=s * 3)
            more, meter = session_frames(cp, tenant, tx, start, meter, samples, id_tag=driver_tag(tx))
            frames += more
            tx += 1
        per_cp.append((cp.encode(), frames))
    longest = max(len(frames) for _, frames in per_cp)
    for i in range(longest):
        for key, frames in per_cp:
            if i < len(frames):
                yield key, frames[i]


def bench_catalog(charge_points: list[str]) -> str:
    """A catalog (YAML) with one tenant, site and tariff, DRIVERS tokens and accounts, and the given charge points."""
    chargers = "\n".join(
        f"- {{charge_point_id: {cp}, tenant_id: bench, site_id: BENCH-SITE,"
        f" connectors: [{{connector_id: 1, power_type: AC, max_power_kw: 22}}]}}"
        for cp in charge_points
    )
    tokens = "\n".join(f"- {{uid: BENCH{n:04d}, tenant_id: bench, account_id: BENCH-A{n}}}" for n in range(DRIVERS))
    accounts = "\n".join(
        f"- {{account_id: BENCH-A{n}, tenant_id: bench, name: Driver {n}, email: d{n}@example.org}}"
        for n in range(DRIVERS)
    )
    return f"""tenants:
- {{tenant_id: bench, name: Bench, currency: EUR, country: DE}}
sites:
- {{site_id: BENCH-SITE, tenant_id: bench, name: Bench, time_zone: Europe/Berlin, default_tariff_id: BENCH-AC}}
chargers:
{chargers}
tokens:
{tokens}
accounts:
{accounts}
tariffs:
- id: BENCH-AC
  tenant_id: bench
  country_code: DE
  party_id: BEN
  currency: EUR
  type: REGULAR
  elements:
  - price_components: [{{type: ENERGY, price: 0.40, vat: 19.0, step_size: 1}}]
  - price_components: [{{type: PARKING_TIME, price: 6.00, vat: 19.0, step_size: 60}}]
  last_updated: "2026-10-01T00:00:00Z"
"""
