"""OCPI 2.2.1 CDRs of a period for roaming partners, with credit CDRs for billed sessions that were re-rated.

Built as JSON text with polars string expressions (no Python loop per session). Per-dimension costs
(total_fixed/energy/time/parking_cost) hold only the OCPI tariff's lines (LineItem.kind "tariff"), as the tariff
module defines them; operator idle fees and discounts are in total_cost only. A re-rated billed session gets, per
OCPI's rule that a sent CDR is never changed, a credit CDR (credit = true, negative total_cost of what was billed,
credit_reference_id = the original) and a replacement CDR with the new total; together they add the difference.
A refund's credit note becomes a credit CDR of its own (the refund module's credit_cdrs view holds the same totals).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl

from jobs.exports.period import ExportError

TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"  # OCPI DateTime: RFC 3339, UTC, string(25)
_DIMENSIONS = {"fixed": "FLAT", "energy": "ENERGY", "time": "TIME", "parking": "PARKING_TIME"}
ALPHA3 = {
    "AT": "AUT", "BE": "BEL", "CH": "CHE", "CZ": "CZE", "DE": "DEU", "DK": "DNK", "ES": "ESP", "FI": "FIN",
    "FR": "FRA", "GB": "GBR", "HU": "HUN", "IE": "IRL", "IT": "ITA", "LU": "LUX", "NL": "NLD", "NO": "NOR",
    "PL": "POL", "PT": "PRT", "SE": "SWE", "US": "USA",
}  # fmt: skip


def party_id(tenant_id: str) -> str:
    """OCPI party id (3 characters) of a tenant: the first three letters or digits of its id, upper case."""
    letters = "".join(c for c in tenant_id.upper() if c.isascii() and c.isalnum())
    return (letters + "XXX")[:3]


def country_alpha3(country: str) -> str:
    """CdrLocation.country is ISO 3166-1 alpha-3; the catalog holds alpha-2."""
    if country not in ALPHA3:
        raise ExportError(f"no ISO 3166 alpha-3 code known for country {country!r} (OCPI CDR location)")
    return ALPHA3[country]


def _s(expr: pl.Expr) -> pl.Expr:
    """A JSON string (escaped) or null."""
    escaped = expr.cast(pl.String).str.replace_all("\\", "\\\\", literal=True).str.replace_all('"', '\\"', literal=True)
    return pl.when(expr.is_null()).then(pl.lit("null")).otherwise(pl.lit('"') + escaped + pl.lit('"'))


def _n(expr: pl.Expr) -> pl.Expr:
    """A JSON number from a Decimal: its exact digits (null stays null, so one gap never voids a whole CDR)."""
    return expr.cast(pl.String).fill_null("null")


def _time(column: str) -> pl.Expr:
    return _s(pl.col(column).dt.strftime(TIME_FORMAT))


def _obj(**fields: pl.Expr) -> pl.Expr:
    parts: list[pl.Expr] = []
    for index, (name, value) in enumerate(fields.items()):
        parts += [pl.lit(("{" if index == 0 else ",") + f'"{name}":'), value]
    return pl.concat_str([*parts, pl.lit("}")])


def _price(excl: str, incl: str) -> pl.Expr:
    return _obj(excl_vat=_n(pl.col(excl)), incl_vat=_n(pl.col(incl)))


def tariff_costs(lines: pl.DataFrame) -> pl.DataFrame:
    """Per session the OCPI tariff's cost per dimension (excl/incl VAT); operator lines are left out."""
    tariff = pl.col("kind") == "tariff"
    sums = []
    for name, dimension in _DIMENSIONS.items():
        chosen = tariff & (pl.col("dimension") == dimension)
        sums += [
            pl.col("amount_excl_vat").filter(chosen).sum().alias(f"{name}_excl"),
            pl.col("amount_incl_vat").filter(chosen).sum().alias(f"{name}_incl"),
        ]
    return lines.group_by("tenant_id", "session_id").agg(sums)


def charging_periods(periods: pl.DataFrame) -> pl.DataFrame:
    """Per session its charging_periods JSON array: energy and (parking) time per period."""
    time_type = pl.when(pl.col("kind") == "parking").then(pl.lit('"PARKING_TIME"')).otherwise(pl.lit('"TIME"'))
    dimensions = pl.concat_str(
        [
            pl.lit('[{"type":"ENERGY","volume":'), _n(pl.col("energy_kwh")),
            pl.lit('},{"type":'), time_type, pl.lit(',"volume":'), _n(pl.col("hours")), pl.lit("}]"),
        ]
    )  # fmt: skip
    one = _obj(start_date_time=_time("start"), dimensions=dimensions)
    return (
        periods.sort("tenant_id", "session_id", "period_no")
        .group_by("tenant_id", "session_id", maintain_order=True)
        .agg(one.str.join(",").alias("periods_json"))
        .with_columns((pl.lit("[") + pl.col("periods_json") + pl.lit("]")).alias("periods_json"))
    )


def _whole_session_period() -> pl.Expr:
    """A session without stored periods: one period over the whole session (OCPI needs at least one)."""
    dimensions = pl.concat_str(
        [
            pl.lit('[{"type":"ENERGY","volume":'), _n(pl.col("total_energy_kwh")),
            pl.lit('},{"type":"TIME","volume":'), _n(pl.col("total_time_h")), pl.lit("}]"),
        ]
    )  # fmt: skip
    return pl.lit("[") + _obj(start_date_time=_time("started_at"), dimensions=dimensions) + pl.lit("]")


def _location() -> pl.Expr:
    evse = pl.col("charge_point_id") + pl.lit("*") + pl.col("connector_id").cast(pl.String)
    dc = pl.col("power_type") == "DC"
    coordinates = (
        pl.when(pl.col("latitude").is_null())
        .then(pl.lit("null"))
        .otherwise(_obj(latitude=_s(pl.col("latitude")), longitude=_s(pl.col("longitude"))))
    )
    return _obj(
        id=_s(pl.col("site_id")), name=_s(pl.col("site_name")), address=_s(pl.lit("")), city=_s(pl.lit("")),
        country=_s(pl.col("country3")), coordinates=coordinates, evse_uid=_s(evse), evse_id=_s(evse),
        connector_id=_s(pl.col("connector_id").cast(pl.String)),
        connector_standard=pl.when(dc).then(pl.lit('"IEC_62196_T2_COMBO"')).otherwise(pl.lit('"IEC_62196_T2"')),
        connector_format=pl.when(dc).then(pl.lit('"CABLE"')).otherwise(pl.lit('"SOCKET"')),
        connector_power_type=pl.when(dc).then(pl.lit('"DC"')).otherwise(pl.lit('"AC_3_PHASE"')),
    )  # fmt: skip


def _cdr(cdr_id: pl.Expr, total: pl.Expr, last_updated: str, *, costs: bool, credit: bool) -> pl.Expr:
    token = _obj(
        country_code=_s(pl.col("country")), party_id=_s(pl.col("party_id")), uid=_s(pl.col("id_tag")),
        type=pl.lit('"RFID"'), contract_id=_s(pl.coalesce("account_id", "id_tag")),
    )  # fmt: skip
    fields = {
        "country_code": _s(pl.col("country")), "party_id": _s(pl.col("party_id")), "id": cdr_id,
        "start_date_time": _time("started_at"), "end_date_time": _time("stopped_at"),
        "session_id": _s(pl.col("session_id")), "cdr_token": token, "auth_method": pl.lit('"WHITELIST"'),
        "cdr_location": _location(), "currency": _s(pl.col("currency")), "charging_periods": pl.col("periods_json"),
        "total_cost": total, "total_energy": _n(pl.col("total_energy_kwh")), "total_time": _n(pl.col("total_time_h")),
        "total_parking_time": _n(pl.col("total_parking_time_h")),
    }  # fmt: skip
    if costs:
        for name in _DIMENSIONS:
            fields[f"total_{name}_cost"] = _price(f"{name}_excl", f"{name}_incl")
    fields["credit"] = pl.lit("true" if credit else "false")
    if credit:
        fields["credit_reference_id"] = _s(pl.col("session_id"))
    fields["last_updated"] = _time(last_updated)
    return _obj(**fields)


@dataclass(frozen=True)
class Places:
    """Catalog frames a CDR's token and location come from.

    tenants: tenant_id, country, country3, party_id; sites: tenant_id, site_id, site_name, latitude, longitude
    (OCPI GeoLocation text); connectors: tenant_id, charge_point_id, connector_id, power_type."""

    tenants: pl.DataFrame
    sites: pl.DataFrame
    connectors: pl.DataFrame

    def locate(self, frame: pl.DataFrame) -> pl.DataFrame:
        return (
            frame.join(self.tenants, on="tenant_id", how="left")
            .join(self.sites, on=["tenant_id", "site_id"], how="left")
            .join(self.connectors, on=["tenant_id", "charge_point_id", "connector_id"], how="left")
        )


def refund_credits(refunds: pl.DataFrame) -> pl.DataFrame:
    """One credit CDR per refund's credit note: negative totals of its lines, the refunded session's data."""
    session = [name for name in refunds.columns if name not in {"line_no", "vat_rate", "vat_amount"}]
    first = [name for name in session if name not in {"credit_note_id", "amount_excl_vat", "amount_incl_vat"}]
    summed = refunds.group_by("credit_note_id", maintain_order=True).agg(
        (-pl.col("amount_excl_vat").sum()).alias("minus_excl"),
        (-pl.col("amount_incl_vat").sum()).alias("minus_incl"),
        *(pl.col(name).first() for name in first),
    )
    return summed.with_columns(periods_json=_whole_session_period())


def cdr_json(
    sessions: pl.DataFrame,
    costs: pl.DataFrame,
    periods: pl.DataFrame,
    adjustments: pl.DataFrame,
    refunds: pl.DataFrame,
    places: Places,
) -> pl.Series:
    """One JSON object per CDR: every session, per billed adjustment its credit and replacement CDR, per refund's
    credit note a credit CDR (id = the credit note's)."""
    keys = ["tenant_id", "session_id"]
    zero = {f"{name}_{part}": 0 for name in _DIMENSIONS for part in ("excl", "incl")}
    rated = (
        places.locate(sessions.join(costs, on=keys, how="left").join(periods, on=keys, how="left"))
        .with_columns(pl.col(name).fill_null(value) for name, value in zero.items())
        .with_columns(pl.col("periods_json").fill_null(_whole_session_period()))
        .select(_cdr(_s(pl.col("session_id")), _price("total_cost_excl_vat", "total_cost_incl_vat"), "rated_at",
                     costs=True, credit=False))
    )  # fmt: skip
    adjusted = places.locate(adjustments).with_columns(
        periods_json=_whole_session_period(), minus_excl=-pl.col("old_total_excl_vat"),
        minus_incl=-pl.col("old_total_incl_vat"), revision_text=pl.col("revision").cast(pl.String),
    )  # fmt: skip
    credits = adjusted.select(
        _cdr(_s(pl.col("session_id") + "-C" + pl.col("revision_text")), _price("minus_excl", "minus_incl"),
             "created_at", costs=False, credit=True)
    )  # fmt: skip
    replacements = adjusted.select(
        _cdr(_s(pl.col("session_id") + "-R" + pl.col("revision_text")),
             _price("new_total_excl_vat", "new_total_incl_vat"), "created_at", costs=False, credit=False)
    )  # fmt: skip
    refunded = places.locate(refund_credits(refunds)).select(
        _cdr(_s(pl.col("credit_note_id")), _price("minus_excl", "minus_incl"), "issued_at", costs=False, credit=True)
    )
    return pl.concat([rated.to_series(), credits.to_series(), replacements.to_series(), refunded.to_series()])


def write(path: Path, cdrs: pl.Series) -> int:
    """A JSON array of the CDRs, one per line; returns how many."""
    body = cdrs.str.join(",\n").item() if cdrs.len() else ""
    path.write_text(f"[\n{body}\n]\n" if body else "[]\n", encoding="utf-8")
    return cdrs.len()
