"""`chargeledger dashboard`: registered with the CLI, a bad port is one line and exit 2."""

import pytest

from cli.main import main, parser


def test_defaults_listen_on_this_machine() -> None:
    args = parser().parse_args(["dashboard"])
    assert (args.host, args.port) == ("127.0.0.1", 8050)


def test_a_port_out_of_range_is_a_user_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["dashboard", "--port", "70000"]) == 2
    assert capsys.readouterr().err.strip() == "chargeledger dashboard: --port must be between 1 and 65535, got 70000"
