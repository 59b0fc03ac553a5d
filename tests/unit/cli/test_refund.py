"""`chargeledger refund` and `wallet` argument mistakes: all reported at once, before any warehouse or broker."""

import pytest

from cli.main import main


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["refund", "--session", "s"], "give --amount X or --full; give --reason"),
        (["refund", "--session", "s", "--amount", "-1", "--reason", "goodwill"], "--amount must be a positive"),
        (["refund", "--session", "s", "--amount", "ten", "--reason", "goodwill"], "--amount must be a positive"),
        (["refund", "--approve", "rf-1", "--full"], "--approve/--reject take no --amount"),
        (["wallet", "topup", "--tenant", "t", "--account", "a", "--amount", "5", "--token", "5500-0000-0000-0004"],
         "--token looks like a card number"),
        (["wallet", "topup", "--tenant", "t", "--amount", "0"], "topup needs --account; topup needs --token"),
    ],
)  # fmt: skip
def test_bad_arguments_are_one_line_with_exit_2(argv: list[str], message: str, capsys: pytest.CaptureFixture) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and "5500" not in err and len(err.strip().splitlines()) == 1


def test_refund_needs_exactly_one_of_session_approve_reject() -> None:
    with pytest.raises(SystemExit):
        main(["refund", "--session", "s", "--approve", "r"])


def test_a_card_number_in_a_note_is_refused(capsys: pytest.CaptureFixture) -> None:
    assert main(["refund", "--approve", "rf-1", "--note", "card 4111111111111111"]) == 2
    assert "must not hold a card number" in capsys.readouterr().err
