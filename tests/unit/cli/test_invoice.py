import pytest

from cli.main import main


@pytest.mark.parametrize(
    ("period", "message"),
    [("2026-13", "is not a month: write it as YYYY-MM"), ("2999-01", "is in the future (today is ")],
)
def test_a_bad_period_is_one_line_and_exit_2(period: str, message: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["invoice", "--period", period]) == 2
    err = capsys.readouterr().err
    assert err.startswith("chargeledger invoice: --period ") and message in err and err.count("\n") == 1


def test_period_and_receipt_exclude_each_other(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["invoice", "--period", "2026-10", "--receipt", "s1"])
    assert exit_.value.code == 2 and "not allowed with argument" in capsys.readouterr().err
