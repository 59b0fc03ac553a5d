from collections import OrderedDict
from datetime import UTC, datetime

from pipelines.flags.attempts import Pending, observe_authorize
from pipelines.flags.models import FlagType
from pipelines.ingest.models import ChargingEvent, EventKind

T0 = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


def request(mid: str, card: str) -> ChargingEvent:
    return ChargingEvent(
        event_id=f"{mid}-req", tenant_id="t1", charge_point_id="CP-1", protocol="ocpp1.6", direction="upstream",
        message_type=2, message_id=mid, action="Authorize", kind=EventKind.AUTHORIZE, received_at=T0,
        station_time=None, id_tag=card,
    )  # fmt: skip


def answer(mid: str, status: str) -> ChargingEvent:
    return ChargingEvent(
        event_id=f"{mid}-res", tenant_id="t1", charge_point_id="CP-1", protocol="ocpp1.6", direction="downstream",
        message_type=3, message_id=mid, action="Authorize", kind=EventKind.OTHER, received_at=T0, station_time=None,
        status=status,
    )  # fmt: skip


def test_a_refused_attempt_is_flagged_with_its_card_and_an_accepted_one_is_not() -> None:
    pending: Pending = OrderedDict()
    assert observe_authorize(pending, request("1", "GOOD")) == []
    assert observe_authorize(pending, answer("1", "Accepted")) == []
    observe_authorize(pending, request("2", "STOLEN"))
    found = observe_authorize(pending, answer("2", "Blocked"))
    assert [(f.flag_type, f.subject, f.severity) for f in found] == [(FlagType.BLOCKED_TOKEN_USED, "STOLEN", "info")]
    assert pending == OrderedDict()


def test_an_answer_without_its_request_raises_nothing_and_the_memory_is_bounded() -> None:
    pending: Pending = OrderedDict()
    assert observe_authorize(pending, answer("9", "Invalid")) == []
    for n in range(100):
        observe_authorize(pending, request(str(n), "CARD"))
    assert len(pending) == 16


def test_the_same_attempt_gets_the_same_flag_id() -> None:
    first, second = OrderedDict(), OrderedDict()
    ids = []
    for pending in (first, second):
        observe_authorize(pending, request("5", "OLD"))
        ids += [f.flag_id for f in observe_authorize(pending, answer("5", "Expired"))]
    assert len(ids) == 2 and ids[0] == ids[1]
