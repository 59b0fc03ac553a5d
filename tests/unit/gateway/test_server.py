"""Which charge point a WebSocket path names."""

import pytest

from pipelines.gateway.connection import station_url
from pipelines.gateway.server import charge_point_id_of


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/CP-1", "CP-1"),
        ("/ocpp/CP-1", "CP-1"),
        ("/ocpp/CP-1/", "CP-1"),
        ("/CP%201?token=x", "CP 1"),
        ("/", None),
        ("", None),
        ("/a%2Fb", None),  # an id may not contain "/" (the pipeline's key separator)
        ("/" + "x" * 256, None),
    ],
)
def test_last_path_segment_is_the_charge_point(path, expected):
    assert charge_point_id_of(path) == expected


def test_station_url_round_trips_odd_ids():
    for cp in ("CP-1", "Wallbox #7", "ü-1"):
        assert charge_point_id_of(station_url("ws://h:1/ocpp/", cp).removeprefix("ws://h:1")) == cp
