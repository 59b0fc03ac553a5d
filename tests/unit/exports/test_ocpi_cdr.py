import json
from datetime import UTC, datetime
from decimal import Decimal

import polars as pl
import pytest

from jobs.exports import ocpi_cdr
from jobs.exports.period import ExportError
from tests.unit.exports import frames


def test_per_dimension_costs_hold_only_the_tariffs_lines() -> None:
    lines = frames.lines(
        ("s1", "tariff", "ENERGY", "4", "19", "4.76"), ("s1", "tariff", "FLAT", "1", "19", "1.19"),
        ("s1", "idle_fee", "IDLE_FEE", "2", "19", "2.38"), ("s1", "voucher", "DISCOUNT", "-1", "19", "-1.19"),
        ("s1", "off_peak", "ENERGY", "-0.4", "19", "-0.476"), ("s1", "tariff", "PARKING_TIME", "3", "19", "3.57"),
    )  # fmt: skip
    costs = ocpi_cdr.tariff_costs(lines).row(0, named=True)
    assert (costs["energy_excl"], costs["fixed_excl"], costs["parking_excl"], costs["time_excl"]) == (
        Decimal(4), Decimal(1), Decimal(3), Decimal(0),
    )  # fmt: skip


def test_charging_periods_are_a_json_array_per_session() -> None:
    periods = pl.DataFrame(
        [("t1", "s1", 1, datetime(2026, 11, 2, 9, tzinfo=UTC), "parking", Decimal(0), Decimal("0.5")),
         ("t1", "s1", 0, datetime(2026, 11, 2, 8, tzinfo=UTC), "charging", Decimal("7.5"), Decimal(1))],
        schema={"tenant_id": pl.String, "session_id": pl.String, "period_no": pl.UInt16,
                "start": pl.Datetime("us", "UTC"), "kind": pl.String, "energy_kwh": pl.Decimal(18, 6),
                "hours": pl.Decimal(18, 9)},
        orient="row",
    )  # fmt: skip
    text = ocpi_cdr.charging_periods(periods).row(0, named=True)["periods_json"]
    assert json.loads(text, parse_float=Decimal) == [
        {"start_date_time": "2026-11-02T08:00:00Z",
         "dimensions": [{"type": "ENERGY", "volume": Decimal("7.5")}, {"type": "TIME", "volume": 1}]},
        {"start_date_time": "2026-11-02T09:00:00Z",
         "dimensions": [{"type": "ENERGY", "volume": 0}, {"type": "PARKING_TIME", "volume": Decimal("0.5")}]},
    ]  # fmt: skip


def test_party_and_country_codes() -> None:
    assert ocpi_cdr.party_id("stadtwerk-aachen") == "STA" and ocpi_cdr.party_id("e2") == "E2X"
    assert ocpi_cdr.country_alpha3("SE") == "SWE"
    with pytest.raises(ExportError, match="alpha-3"):
        ocpi_cdr.country_alpha3("ZZ")
