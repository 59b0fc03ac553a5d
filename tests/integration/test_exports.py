"""`chargeledger export` on the real embedded warehouse: every format from one rated month, checked against its
specification's required structure, and the reconciliation line against the warehouse's own sums."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest
import yaml

from cli.main import main
from jobs.exports.datev import COLUMNS, HEADER_FIELDS
from jobs.rerate import catalog_from_file
from jobs.worker_process import worker_environment
from pipelines.ingest.models import DeadLetter
from pipelines.rating.models import VOUCHER, LineItem, RatedSession
from pipelines.rating.route import rate_with_catalog
from pipelines.sessions.models import ClosedSession
from pipelines.warehouse.client import connect
from pipelines.warehouse.migrate import apply_migrations
from pipelines.warehouse.rows import rated_session_rows
from pipelines.warehouse.sink import insert_tables
from tests.integration.pipeline_harness import CATALOG, REPO, isolated_settings
from tests.unit.rating.builders import session

pytestmark = pytest.mark.integration
RATED_AT = datetime(2026, 12, 1, tzinfo=UTC)
# Warehouse totals of November: four sessions, a billed credit of -2.00 / -2.38 created in November (on an October
# session) and a refund's credit note of 1.00 / 1.19 issued in November (prepaid session 3).
SESSIONS = [  # tx, account's token, start, kWh, minutes parked
    (1, "TAG-OK-1", datetime(2026, 11, 2, 8, tzinfo=UTC), 10, 0),  # postpaid
    (2, "TAG-OK-1", datetime(2026, 11, 2, 18, tzinfo=UTC), 7.333, 30),
    (3, "TAG-OK-2", datetime(2026, 11, 15, 9, tzinfo=UTC), 12.5, 0),  # prepaid (wallet)
    (4, "TAG-OK-2", datetime(2026, 11, 30, 23, 30, tzinfo=UTC), 3, 0),  # with a voucher line
    (5, "TAG-OK-1", datetime(2026, 10, 31, 23, tzinfo=UTC), 4, 0),  # October: not exported, billed, credited
]


def closed(tx: int, tag: str, start: datetime, kwh: float, parked: int) -> ClosedSession:
    periods = [("c", 60, kwh)] + ([("p", parked, 0)] if parked else [])
    ids = {"tenant_id": "e2e", "charge_point_id": "CP-E2E-1", "transaction_id": str(tx), "id_tag": tag}
    return replace(session(start, *periods), session_id=f"e2e/CP-E2E-1/{tx}", **ids)


def with_voucher(rated: RatedSession) -> RatedSession:
    line = LineItem("DISCOUNT", 0, Decimal(1), "session", Decimal("-1"), 0, Decimal("-1"), Decimal(19),
                    Decimal("-1.19"), "Welcome voucher", kind=VOUCHER, rule_id="E2E-WELCOME")  # fmt: skip
    return rated.with_line_items((*rated.line_items, line))


def export_catalog(path: Path) -> Path:
    """The integration catalog with a chart of accounts (DATEV and SIE numbers) and E2E-A2 prepaid."""
    data = yaml.safe_load(CATALOG.read_text())
    data["tenants"][0]["chart_of_accounts"] = {
        "revenue": [
            {"vat_rate": 19, "revenue": "8400", "vat_payable": "1776", "datev_automatic": True},
            {"vat_rate": 7, "revenue": "8300", "vat_payable": "1771", "datev_bu_key": "2"},
        ],
        "receivables": "1400", "wallet_liability": "1710", "refunds": "8700", "credit_notes": "8720",
        "datev": {"consultant_number": 4711, "client_number": 1234},
        "sie": {"company_name": "E2E Laddning AB", "org_number": "556677-8899"},
    }  # fmt: skip
    for account in data["accounts"]:
        if account["account_id"] == "E2E-A2":
            account["billing_mode"] = "prepaid"
    path.write_text(yaml.safe_dump(data, allow_unicode=True))
    return path


@pytest.fixture(scope="module")
def exported(warehouse_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    """One rated month in a fresh database; the CLI's environment points there."""
    tmp = tmp_path_factory.mktemp("exports")
    settings = isolated_settings("127.0.0.1:1", warehouse_url, tmp)
    apply_migrations(connect(settings), REPO / "schemas" / "clickhouse", settings.clickhouse_database)
    client = connect(settings, database=settings.clickhouse_database)
    catalog = export_catalog(tmp / "catalog.yaml")
    view = catalog_from_file(catalog)
    tables: dict[str, list] = {}
    for tx, tag, start, kwh, parked in SESSIONS:
        rated = rate_with_catalog(closed(tx, tag, start, kwh, parked), view, rated_at=RATED_AT)
        assert not isinstance(rated, DeadLetter)
        rated = with_voucher(rated) if tx == 4 else rated
        for table, table_rows in rated_session_rows(rated).items():
            tables.setdefault(table, []).extend(table_rows)
    insert_tables(client, settings.clickhouse_database, tables)
    client.command(
        "INSERT INTO rating_adjustments (adjustment_id, tenant_id, session_id, revision, base_revision, kind, billed, "
        "document_id, credit, credit_reference_id, currency, old_tariff_id, new_tariff_id, old_total_excl_vat, "
        "old_total_incl_vat, new_total_excl_vat, new_total_incl_vat, difference_excl_vat, difference_incl_vat, "
        "reason, created_by, created_at) VALUES ('adj-1', 'e2e', 'e2e/CP-E2E-1/5', 2, 1, 'credit', true, 'INV-1', "
        "true, 'e2e/CP-E2E-1/5', 'EUR', 'E2E-AC', 'E2E-AC', 2.6, 3.094, 0.6, 0.714, -2, -2.38, 'goodwill', 'test', "
        "'2026-11-20 10:00:00')"
    )
    client.command(
        "INSERT INTO credit_note_lines (credit_note_id, line_no, refund_id, tenant_id, session_id, account_id, "
        "currency, vat_rate, amount_excl_vat, vat_amount, amount_incl_vat, issued_at) VALUES ('CN-1', 0, 'R-1', 'e2e', "
        "'e2e/CP-E2E-1/3', 'E2E-A2', 'EUR', 19, 1, 0.19, 1.19, '2026-11-21 09:00:00')"
    )
    with pytest.MonkeyPatch.context() as patch:
        for name, value in worker_environment(settings).items():
            patch.setenv(name, value)
        yield {"catalog": catalog, "out": tmp / "out", "client": client, "database": settings.clickhouse_database}


def run(exported: dict, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["export", "--catalog", str(exported["catalog"]), "--out", str(exported["out"]), *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def warehouse_total(exported: dict) -> tuple[Decimal, Decimal]:
    """November's sessions, less the credit and the refund, summed here in SQL once more."""
    row = (
        exported["client"]
        .query(
            "SELECT (SELECT sum(total_cost_excl_vat) FROM sessions_current WHERE toYYYYMM(started_at) = 202611) - 3, "
            "(SELECT sum(total_cost_incl_vat) FROM sessions_current WHERE toYYYYMM(started_at) = 202611) - 3.57"
        )
        .result_rows[0]
    )
    return Decimal(row[0]).quantize(Decimal("0.01")), Decimal(row[1]).quantize(Decimal("0.01"))


def test_csv_and_parquet_hold_sessions_line_items_and_the_journal_and_reconcile(
    exported: dict, capsys: pytest.CaptureFixture[str]
) -> None:
    net, gross = warehouse_total(exported)
    code, out, err = run(exported, capsys, "--period", "2026-11", "--format", "csv")
    assert code == 0, err
    assert "data-quality gate passed" in out
    assert f"reconciliation e2e EUR: export net {net} gross {gross} = warehouse net {net} gross {gross}" in out
    sessions = pl.read_csv(exported["out"] / "chargeledger_2026-11_sessions.csv", infer_schema=False)
    assert sorted(sessions["session_id"]) == [f"e2e/CP-E2E-1/{tx}" for tx in (1, 2, 3, 4)]
    journal = pl.read_csv(exported["out"] / "chargeledger_2026-11_journal.csv", infer_schema=False)
    assert sum(Decimal(v) for v in journal["gross"]) == gross
    assert set(journal["settlement_account"]) == {"1400", "1710"}  # postpaid receivables, prepaid wallet
    assert "1710" in journal.filter(pl.col("side") == "wallet_liability")["settlement_account"].to_list()
    assert journal.filter(pl.col("kind") == "credit_note")["revenue_account"].to_list() == ["8720"]
    refund = journal.filter(pl.col("kind") == "refund").select("side", "revenue_account", "gross").rows()
    assert refund == [("wallet_liability", "8700", "-1.19")]

    code, out, err = run(exported, capsys, "--period", "2026-11", "--format", "parquet")
    assert code == 0, err
    lines = pl.read_parquet(exported["out"] / "chargeledger_2026-11_line_items.parquet")
    assert lines.schema["amount_excl_vat"] == pl.Decimal(28, 9)
    assert lines.schema["vat_rate"] == pl.Decimal(9, 4)
    assert set(lines["kind"]) == {"tariff", "voucher"}
    parquet_sessions = pl.read_parquet(exported["out"] / "chargeledger_2026-11_sessions.parquet")
    assert parquet_sessions.schema["started_at"] == pl.Datetime("us", "UTC")
    assert parquet_sessions["total_cost_incl_vat"].sum() - Decimal("3.57") == pytest.approx(gross, abs=Decimal("0.005"))
    assert pl.read_parquet(exported["out"] / "chargeledger_2026-11_refunds.parquet")["credit_note_id"].to_list() == [
        "CN-1"
    ]


def test_datev_buchungsstapel_follows_the_extf_layout(exported: dict, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(exported, capsys, "--period", "2026-11", "--format", "datev")
    assert code == 0, err
    raw = (exported["out"] / "EXTF_Buchungsstapel_e2e_2026-11.csv").read_bytes()
    assert "Ladeumsätze".encode("cp1252") in raw and b"\r\n" in raw  # Windows-1252, CRLF
    lines = raw.decode("cp1252").split("\r\n")
    header = lines[0].split(";")
    assert len(header) == HEADER_FIELDS
    assert header[:5] == ['"EXTF"', "700", "21", '"Buchungsstapel"', "13"]
    assert header[10:16] == ["4711", "1234", "20260101", "4", "20261101", "20261130"]
    assert header[21] == '"EUR"'
    assert lines[1].split(";") == COLUMNS
    bookings = [line.split(";") for line in lines[2:] if line]
    assert bookings and all(len(fields) == len(COLUMNS) for fields in bookings)
    signed = sum(Decimal(f[0].replace(",", ".")) * (1 if f[1] == '"S"' else -1) for f in bookings)
    assert signed == warehouse_total(exported)[1]  # every booking is settlement vs revenue/VAT: gross
    assert {f[9] for f in bookings} == {"0211", "1511", "3011", "2011", "2111"}  # Belegdatum DDMM
    assert all(f[7] in {"8400", "8720", "8700", "1776"} for f in bookings)
    assert all(f[8] == "" for f in bookings if f[7] == "8400")  # automatic account: no BU-Schlüssel


def test_sie_file_has_the_mandatory_records_and_balanced_vouchers(
    exported: dict, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(exported, capsys, "--period", "2026-11", "--format", "sie")
    assert code == 0, err
    text = (exported["out"] / "e2e_2026-11.se").read_bytes().decode("cp437")
    lines = text.split("\r\n")
    assert lines[0] == "#FLAGGA 0"
    for record in ("#PROGRAM ", "#FORMAT PC8", "#GEN ", "#SIETYP 4", '#FNAMN "E2E Laddning AB"', "#ORGNR 556677-8899",
                   "#RAR 0 20260101 20261231", "#KONTO 1400 "):  # fmt: skip
        assert any(line.startswith(record) for line in lines), record
    vouchers = text.split("#VER ")[1:]
    assert vouchers
    for voucher in vouchers:
        amounts = [Decimal(line.split()[-1]) for line in voucher.splitlines() if line.strip().startswith("#TRANS")]
        assert len(amounts) >= 2 and sum(amounts) == 0
    debits = sum(Decimal(line.split()[-1]) for line in lines if line.strip().startswith(("#TRANS 1400", "#TRANS 1710")))
    assert debits == warehouse_total(exported)[1]


def test_ocpi_cdrs_carry_the_required_fields_and_a_credit_cdr(
    exported: dict, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(exported, capsys, "--period", "2026-11", "--format", "ocpi-cdr")
    assert code == 0, err
    cdrs = json.loads((exported["out"] / "chargeledger_2026-11_cdrs.json").read_text(), parse_float=Decimal)
    required = {"country_code", "party_id", "id", "start_date_time", "end_date_time", "cdr_token", "auth_method",
                "cdr_location", "currency", "charging_periods", "total_cost", "total_energy", "total_time",
                "last_updated"}  # fmt: skip
    assert all(required <= set(cdr) for cdr in cdrs)
    by_id = {cdr["id"]: cdr for cdr in cdrs}
    voucher = by_id["e2e/CP-E2E-1/4"]
    assert voucher["total_cost"]["excl_vat"] == voucher["total_energy_cost"]["excl_vat"] + 1 - 1  # FLAT 1 - voucher 1
    assert voucher["total_fixed_cost"]["excl_vat"] == 1
    assert by_id["e2e/CP-E2E-1/2"]["total_parking_cost"]["excl_vat"] == 3  # 30 min x 6.00/h
    assert [p["dimensions"][1]["type"] for p in by_id["e2e/CP-E2E-1/2"]["charging_periods"]] == ["TIME", "PARKING_TIME"]
    credit = by_id["e2e/CP-E2E-1/5-C2"]
    assert credit["credit"] is True and credit["credit_reference_id"] == "e2e/CP-E2E-1/5"
    assert credit["total_cost"] == {"excl_vat": Decimal("-2.6"), "incl_vat": Decimal("-3.094")}
    assert by_id["e2e/CP-E2E-1/5-R2"]["total_cost"]["excl_vat"] == Decimal("0.6")
    refund = by_id["CN-1"]
    assert refund["credit"] is True and refund["credit_reference_id"] == "e2e/CP-E2E-1/3"
    assert refund["total_cost"] == {"excl_vat": -1, "incl_vat": Decimal("-1.19")}
    assert voucher["cdr_location"]["country"] == "DEU" and voucher["cdr_token"]["uid"] == "TAG-OK-2"
    gross = sum(cdr["total_cost"]["incl_vat"] for cdr in cdrs)
    assert gross.quantize(Decimal("0.01")) == warehouse_total(exported)[1]


def test_an_empty_period_writes_valid_empty_files(exported: dict, capsys: pytest.CaptureFixture[str]) -> None:
    for fmt in ("datev", "sie", "ocpi-cdr"):
        code, out, err = run(exported, capsys, "--period", "2027-01", "--format", fmt)
        assert code == 0, err
        assert "no sessions in 2027-01: wrote valid empty files" in out
    assert json.loads((exported["out"] / "chargeledger_2027-01_cdrs.json").read_text()) == []
    datev_lines = (exported["out"] / "EXTF_Buchungsstapel_e2e_2027-01.csv").read_bytes().split(b"\r\n")
    assert datev_lines[0].startswith(b'"EXTF";700;21') and datev_lines[2:] == [b""]
    assert (exported["out"] / "e2e_2027-01.se").read_bytes().startswith(b"#FLAGGA 0\r\n")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--period", "2026-13", "--format", "csv"], "--period must be a month as YYYY-MM"),
        (["--period", "2026-11", "--format", "xlsx"], "--format must be one of csv, parquet, datev, sie, ocpi-cdr"),
        (["--period", "2026-11", "--format", "csv", "--tenant", "nobody"], "unknown tenant 'nobody'"),
    ],
)
def test_bad_arguments_are_one_line_errors(
    exported: dict, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    code, _, err = run(exported, capsys, *args)
    assert code == 2 and message in err and "Traceback" not in err


def test_a_session_whose_lines_do_not_add_up_stops_the_export_before_writing(
    exported: dict, capsys: pytest.CaptureFixture[str]
) -> None:
    view = catalog_from_file(exported["catalog"])
    rated = rate_with_catalog(
        closed(99, "TAG-OK-1", datetime(2026, 9, 3, 10, tzinfo=UTC), 5, 0), view, rated_at=RATED_AT
    )
    assert not isinstance(rated, DeadLetter)
    broken = replace(rated, total_cost_excl_vat=rated.total_cost_excl_vat + 1)
    insert_tables(exported["client"], exported["database"], rated_session_rows(broken))
    code, _, err = run(exported, capsys, "--period", "2026-09", "--format", "datev")
    assert code == 2 and "data-quality gate failed for 2026-09, nothing written" in err
    assert not (exported["out"] / "EXTF_Buchungsstapel_e2e_2026-09.csv").exists()


def test_data_of_a_tenant_the_catalog_lacks_is_named_not_dropped(
    exported: dict, capsys: pytest.CaptureFixture[str]
) -> None:
    view = catalog_from_file(exported["catalog"])
    rated = rate_with_catalog(
        closed(98, "TAG-OK-1", datetime(2026, 8, 3, 10, tzinfo=UTC), 5, 0), view, rated_at=RATED_AT
    )
    assert not isinstance(rated, DeadLetter)
    ghost = replace(rated, session=replace(rated.session, tenant_id="ghost", session_id="ghost/CP-1/98"))
    insert_tables(exported["client"], exported["database"], rated_session_rows(ghost))
    code, _, err = run(exported, capsys, "--period", "2026-08", "--format", "sie")
    assert code == 2 and "data of tenant(s) ghost the catalog does not have" in err
    assert not (exported["out"] / "e2e_2026-08.se").exists()
