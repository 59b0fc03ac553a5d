import io
import json
from decimal import Decimal
from pathlib import Path

import pytest

from cli.main import REPO, main


def rated_output(capsys: pytest.CaptureFixture[str]) -> dict:
    captured = capsys.readouterr()
    assert captured.err == ""
    return json.loads(captured.out, parse_float=Decimal)


def test_the_sample_cdr_comes_back_with_its_totals_and_line_items(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rate", str(REPO / "examples" / "cdr.json")]) == 0
    rated = rated_output(capsys)
    costs = [rated[key]["excl_vat"] for key in ("total_fixed_cost", "total_energy_cost", "total_time_cost")]
    assert rated["total_cost"]["excl_vat"] == sum(costs) + rated["total_parking_cost"]["excl_vat"] > 0
    assert rated["total_cost"]["incl_vat"] == sum(item["amount"]["incl_vat"] for item in rated["line_items"])
    assert rated["total_energy"] == sum(
        dimension["volume"]
        for period in rated["charging_periods"]
        for dimension in period["dimensions"]
        if dimension["type"] == "ENERGY"
    )
    assert {item["dimension"] for item in rated["line_items"]} >= {"FLAT", "ENERGY", "PARKING_TIME"}


def test_a_dash_reads_the_cdr_from_stdin_and_the_time_zone_option_applies(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    sample = (REPO / "examples" / "cdr.json").read_bytes()
    assert main(["rate", str(REPO / "examples" / "cdr.json")]) == 0
    in_its_zone = rated_output(capsys)
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(sample)))
    assert main(["rate", "-"]) == 0
    assert rated_output(capsys) == in_its_zone
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(sample)))
    assert main(["rate", "-", "--time-zone", "Pacific/Kiritimati"]) == 0  # UTC+14: other local times, other prices
    assert rated_output(capsys)["total_cost"] != in_its_zone["total_cost"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b'{"start_date_time": ', "not valid JSON"),
        (b"[]", "CDR: expected a JSON object, got list"),
        (b'{"start_date_time": "2026-11-23T10:00:00Z"}', "end_date_time: is required; tariffs: must list"),
    ],
)
def test_a_bad_cdr_is_one_line_on_stderr_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes, message: str
) -> None:
    bad = tmp_path / "cdr.json"
    bad.write_bytes(content)
    assert main(["rate", str(bad)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("chargeledger rate: invalid OCPI CDR: ") and message in captured.err
    assert captured.err.count("\n") == 1


def test_a_missing_file_or_unknown_zone_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rate", str(tmp_path / "nope.json")]) == 2
    assert "nope.json" in capsys.readouterr().err
    assert main(["rate", str(REPO / "examples" / "cdr.json"), "--time-zone", "Europe/Nowhere"]) == 2
    assert "time zone: 'Europe/Nowhere' is not an IANA time zone" in capsys.readouterr().err
