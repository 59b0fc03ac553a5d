from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import orjson
import pytest

from pipelines.flags.models import FlagType
from pipelines.flags.session_rules import session_flags
from pipelines.sessions.models import METER_RESET, MISSING_STOP, STOP_BELOW_START
from tests.unit.flags.builders import closed, facts


def types(found: list) -> list[str]:
    return [flag.flag_type for flag in found]


def test_a_normal_session_raises_nothing() -> None:
    assert session_flags(facts(closed())) == []


@pytest.mark.parametrize(
    ("id_tag_status", "catalog_status", "expected"),
    [
        ("Blocked", "valid", FlagType.BLOCKED_TOKEN_USED),
        ("Accepted", "blocked", FlagType.BLOCKED_TOKEN_USED),  # the central system let a blocked card through
        ("Expired", "valid", FlagType.EXPIRED_TOKEN_USED),
        (None, "expired", FlagType.EXPIRED_TOKEN_USED),
        ("Invalid", None, FlagType.UNKNOWN_TOKEN_USED),
        (None, None, FlagType.UNKNOWN_TOKEN_USED),
    ],
)
def test_token_misuse(id_tag_status: str | None, catalog_status: str | None, expected: FlagType) -> None:
    found = session_flags(facts(closed(id_tag_status=id_tag_status), token_status=catalog_status))
    assert types(found) == [expected]
    assert found[0].subject_type == "token" and found[0].subject == "TAG1"


def test_a_token_unknown_to_the_catalog_but_accepted_by_the_central_system_is_not_flagged() -> None:
    assert session_flags(facts(closed(), token_status=None)) == []  # e.g. a roaming partner's card


def test_meter_backwards_within_a_session() -> None:
    for anomaly in (METER_RESET, STOP_BELOW_START):
        found = session_flags(facts(closed(anomalies=(anomaly,))))
        assert types(found) == [FlagType.METER_BACKWARDS]
        assert orjson.loads(found[0].evidence)["anomalies"] == [anomaly]


def test_energy_above_what_the_rating_allows_for_the_duration() -> None:
    # 22 kW x 1 h = 22 kWh, +10 % tolerance = 24.2 kWh
    assert session_flags(facts(closed(energy_wh=24_000))) == []
    found = session_flags(facts(closed(energy_wh=25_000)))
    assert types(found) == [FlagType.ENERGY_ABOVE_MAX_POWER]
    assert Decimal(orjson.loads(found[0].evidence)["limit_wh"]) == Decimal("24200")


def test_power_reading_above_the_connector_rating() -> None:
    assert session_flags(facts(closed(max_power_w=24_200))) == []
    assert types(session_flags(facts(closed(max_power_w=24_201)))) == [FlagType.POWER_ABOVE_RATING]
    assert session_flags(facts(closed(max_power_w=99_000), rating_kw=None)) == []  # unknown rating: no judgement


def test_zero_energy_session() -> None:
    assert types(session_flags(facts(closed(energy_wh=0)))) == [FlagType.ZERO_ENERGY]


def test_abnormally_long_session() -> None:
    assert session_flags(facts(closed(minutes=24 * 60, energy_wh=50_000))) == []
    found = session_flags(facts(closed(minutes=24 * 60 + 1, energy_wh=50_000)))
    assert types(found) == [FlagType.LONG_SESSION]


def test_provisional_close() -> None:
    session = closed(estimated=True, anomalies=(MISSING_STOP,))
    assert types(session_flags(facts(session))) == [FlagType.PROVISIONAL_CLOSE]


def test_flag_ids_are_stable_per_session_across_revisions_and_differ_between_sessions() -> None:
    first = session_flags(facts(closed(1, energy_wh=0)))
    again = session_flags(facts(replace(closed(1, energy_wh=0), revision=2)))
    other = session_flags(facts(closed(2, energy_wh=0, start=closed().started_at + timedelta(hours=2))))
    assert [f.flag_id for f in first] == [f.flag_id for f in again]
    assert first[0].flag_id != other[0].flag_id
