from datetime import UTC, datetime, timedelta
from decimal import Decimal as D

import pytest

from pipelines.catalog.models import Account, Channel
from pipelines.notify.logic import NoChannelError, choose_locale, pick_channel, session_completed
from pipelines.rating.models import RatedSession
from pipelines.sessions.models import ClosedSession

START = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def rated(
    total_incl: str = "12.345",
    energy_wh: str = "20450",
    minutes: float = 125.4,
    currency: str = "EUR",
    revision: int = 1,
):
    closed = ClosedSession(
        session_id="t1/CP-7/99",
        tenant_id="t1",
        charge_point_id="CP-7",
        connector_id=1,
        transaction_id="99",
        id_tag="TAG",
        started_at=START,
        stopped_at=START + timedelta(minutes=minutes),
        meter_start_wh=D(0),
        meter_stop_wh=D(energy_wh),
        energy_wh=D(energy_wh),
        stop_reason="Local",
        periods=(),
        revision=revision,
    )
    return RatedSession(
        session=closed,
        tariff_id="T",
        currency=currency,
        site_id="S",
        account_id="A1",
        total_energy_kwh=D(energy_wh) / 1000,
        total_time_h=D(1),
        total_parking_time_h=D(0),
        total_cost_excl_vat=D(total_incl),
        total_cost_incl_vat=D(total_incl),
        line_items=(),
        rated_at=NOW,
    )


def account(**overrides):
    fields = {"account_id": "A1", "tenant_id": "t1", "name": "Kim", "email": "kim@example.org"} | overrides
    return Account(**fields)


def test_english_email_with_every_figure():
    note = session_completed(rated(), account(), now=NOW)
    assert (note.channel, note.recipient, note.locale, note.kind) == (
        "email",
        "kim@example.org",
        "en",
        "session_completed",
    )
    assert note.subject == "Charging complete at CP-7: EUR 12.35"  # 12.345 rounds half up
    assert "Start: 2026-11-23T09:30:00Z\nEnd: 2026-11-23T11:35:24Z\nDuration: 2:05\n" in note.body
    assert "Energy: 20.45 kWh\nTotal incl. VAT: EUR 12.35" in note.body
    assert note.notification_id == "session_completed/t1/CP-7/99/r1"
    assert (note.tenant_id, note.account_id, note.session_id, note.created_at) == ("t1", "A1", "t1/CP-7/99", NOW)


@pytest.mark.parametrize(
    ("language", "subject", "line"),
    [
        ("de", "Ladevorgang an CP-7 abgeschlossen: 1.234,57 EUR", "Energie: 20,45 kWh"),
        ("sv-SE", "Laddningen vid CP-7 är klar: 1\u00a0234,57 EUR", "Energi: 20,45 kWh"),
        ("es", "Carga completada en CP-7: 1234,57 EUR", "Energía: 20,45 kWh"),
        ("fi", "Charging complete at CP-7: EUR 1,234.57", "Energy: 20.45 kWh"),
    ],
)
def test_locales_and_fallback_to_english(language, subject, line):
    note = session_completed(rated(total_incl="1234.5678"), account(language=language), now=NOW)
    assert note.subject == subject
    assert line in note.body


def test_revision_makes_a_new_idempotency_key():
    assert session_completed(rated(revision=3), account(), now=NOW).notification_id.endswith("/r3")


def test_first_channel_with_an_address_wins():
    chosen = account(channels=[Channel.PUSH, Channel.SMS, Channel.EMAIL], phone=" +46700000000 ", push_token="  ")
    assert pick_channel(chosen) == (Channel.SMS, "+46700000000")
    note = session_completed(rated(), chosen, now=NOW)
    assert (note.channel, note.recipient) == ("sms", "+46700000000")


def test_webhook_channel():
    hooked = account(channels=[Channel.WEBHOOK], webhook_url="https://fleet.example/hook")
    assert pick_channel(hooked) == (Channel.WEBHOOK, "https://fleet.example/hook")


def test_no_usable_channel_is_a_clear_error():
    with pytest.raises(NoChannelError, match="A1 has no address for any of its channels \\(sms, push\\)"):
        session_completed(rated(), account(channels=[Channel.SMS, Channel.PUSH]), now=NOW)


def test_naive_now_is_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        session_completed(rated(), account(), now=datetime(2026, 1, 1))


def test_yen_has_no_minor_unit_and_energy_keeps_three_decimals():
    note = session_completed(rated(total_incl="1499.5", energy_wh="7123.4", currency="JPY"), account(), now=NOW)
    assert note.subject.endswith("JPY 1,500")
    assert "Energy: 7.123 kWh" in note.body


@pytest.mark.parametrize(("language", "locale"), [("DE", "de"), ("de_AT", "de"), ("", "en"), ("pt-BR", "en")])
def test_choose_locale(language, locale):
    assert choose_locale(language) == locale
