"""`chargeledger rerate`: every argument problem on one line with exit 2; a summary a person can read."""

from decimal import Decimal

import pytest

from cli.main import main
from cli.rerate import render
from pipelines.rating.rerate import Amount, Outcome, RerateSummary


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (
            ["--from", "2026-13-01", "--to", "nope"],
            "--from '2026-13-01' is not a date (YYYY-MM-DD); --to 'nope' is not",
        ),
        (["--from", "2026-12-01", "--to", "2026-11-30"], "--from 2026-12-01 is after --to 2026-11-30"),
        (["--from", "2026-11-01", "--to", "2026-11-30", "--tariff", " "], "--tariff must not be empty"),
        (["--from", "2026-11-01", "--to", "2026-11-30", "--batch", "0"], "--batch must be at least 1"),
    ],
)
def test_bad_arguments_are_one_clear_line_and_exit_2(
    argv: list[str], expected: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["rerate", *argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"chargeledger rerate: {expected}") and err.count("\n") == 1


def test_the_summary_names_counts_and_exact_differences_per_currency() -> None:
    summary = RerateSummary(read=5, unsettled=3, unpriceable=["t/CP/1: no charger or tariff in the catalog for CP"])
    summary.outcomes.update({Outcome.UNCHANGED: 2, Outcome.REVISED: 1, Outcome.ADJUSTED: 1, Outcome.UNPRICEABLE: 1})
    summary.differences = {("EUR", False): Amount(Decimal("0.5"), Decimal("0.595")),
                           ("EUR", True): Amount(Decimal("-1.000000000"), Decimal("-1.19"))}  # fmt: skip
    text = render(summary, written=False)
    assert text.startswith("sessions read 5, re-priced 4, changed 2 (1 new revisions, 1 billed with credit/debit")
    assert "dry run, nothing written" in text
    lines = [" ".join(line.split()) for line in text.splitlines()]
    assert "EUR billed: credit/debit entries -1 excl. / -1.19 incl. VAT" in lines
    assert "EUR unbilled: new revisions +0.5 excl. / +0.595 incl. VAT" in lines
    assert "  t/CP/1: no charger" in text and "█" in text
    assert "left to the stream: 3 session(s) stopped too recently" in text
