import gc
from pathlib import Path

import pytest

from cli.main import main


def test_bad_arguments_exit_with_usage_not_a_traceback(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["simulate", "--charge-points", "-3"])
    assert exit_info.value.code == 2
    assert "must be a positive whole number" in capsys.readouterr().err


def test_unknown_command_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["frobnicate"])
    assert "invalid choice" in capsys.readouterr().err


def test_a_bad_catalog_lists_every_problem_and_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "catalog.yaml"
    bad.write_text("tenants:\n- {tenant_id: t, name: T, currency: euro, country: DE}\nsites:\n- {site_id: s}\n")
    assert main(["catalog", "load", str(bad)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("chargeledger catalog:")
    assert "currency" in err and "sites[0]" in err


def test_a_missing_catalog_file_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["catalog", "load", str(tmp_path / "nope.yaml")]) == 2
    assert "nope.yaml" in capsys.readouterr().err


def test_an_unreachable_clickhouse_is_one_readable_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CLICKHOUSE_URL", "http://analyst:s3cret@127.0.0.1:1")
    assert main(["migrate"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("chargeledger migrate: cannot reach ClickHouse at http://analyst:***@127.0.0.1:1")
    assert "chargeledger up" in err and "s3cret" not in err and "Traceback" not in err


def test_an_unreachable_broker_is_one_readable_line_and_leaves_no_client_open(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:1")
    assert main(["catalog", "load", str(Path(__file__).parents[3] / "examples" / "catalog.yaml")]) == 2
    gc.collect()  # an unclosed aiokafka client complains when it is collected
    err = capsys.readouterr().err
    assert err.startswith("chargeledger catalog: cannot reach Kafka at 127.0.0.1:1") and "Traceback" not in err
    assert not [record for record in caplog.records if "Unclosed" in record.getMessage()]
