from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal as D

import pytest

from pipelines.catalog.models import Channel
from pipelines.notify.compose import MissingFactError, compose, notification_key
from pipelines.notify.kinds import URGENT_KINDS
from pipelines.notify.kinds import NotificationKind as K
from pipelines.notify.texts import TEXTS
from tests.unit.notify.facts import FACTS, NOW, account, tenant

LOCALES = ("en", "de", "sv", "es")


def make(kind: K, language: str = "en", facts: dict | None = None, **account_fields):
    return compose(
        kind,
        tenant=tenant(),
        account=account(language=language, **account_fields),
        trigger_id="trig-1",
        facts=FACTS[kind] if facts is None else facts,
        now=NOW,
    )


def test_every_kind_has_texts_in_every_locale():
    assert set(TEXTS) == {k.value for k in K}
    assert all(set(per_locale) == set(LOCALES) for per_locale in TEXTS.values())


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("kind", list(K))
def test_every_kind_renders_in_every_locale(kind, locale):
    note = make(kind, locale)
    assert note is not None
    assert (note.locale, note.kind, note.channel, note.recipient) == (locale, kind.value, "email", "kim@example.org")
    assert note.subject and "\n" not in note.subject and note.body
    assert "{{" not in note.subject + note.body and "{%" not in note.body
    others = [make(kind, other) for other in LOCALES if other != locale]
    assert all(note.body != other.body for other in others if other is not None)  # really translated


@pytest.mark.parametrize("language", ["fi", "pt-BR", ""])
def test_unknown_languages_fall_back_to_english(language):
    note = make(K.LOW_BALANCE, language)
    assert note is not None and note.locale == "en"
    assert note.subject == "Low balance: EUR 4.50"


def test_german_receipt_with_lines_and_a_total_that_adds_up():
    note = make(K.SESSION_COMPLETED, "de")
    assert note is not None
    assert note.subject == "Ladevorgang an CP-7 abgeschlossen: 7,13 EUR"  # 8.12 + 1.01 - 2.00
    assert "Energy 20.45 kWh: 8,12 EUR\nParking 0.5 h: 1,01 EUR\nVoucher: -2,00 EUR\nGesamt inkl. MwSt.: 7,13 EUR" in (
        note.body
    )
    assert "Beginn: 23.11.2026, 09:30:00 UTC\nEnde: 23.11.2026, 11:35:24 UTC\nDauer: 2:05\nEnergie: 20,45 kWh" in (
        note.body
    )
    assert note.session_id == "t1/CP-7/99"


def test_dates_in_the_policy_time_zone_and_the_card_masked():
    policy = {"time_zone": "Europe/Stockholm"}
    note = make(K.BLOCKED_CARD, "sv", notification_policy=policy)
    assert note is not None
    assert note.subject == "Laddkortet ••••••C3D4 nekades"
    assert "23 nov. 2026 10:30:00 CET" in note.body and "04A1B2" not in note.body


def test_idempotency_key_is_stable_per_kind_tenant_and_trigger():
    first, again = make(K.LOW_BALANCE), make(K.LOW_BALANCE)
    assert first is not None and again is not None
    assert first.notification_id == again.notification_id == notification_key(K.LOW_BALANCE, "t1", "trig-1")
    assert first.notification_id.startswith("low_balance-")
    assert notification_key(K.LOW_BALANCE, "t1", "trig-2") != first.notification_id
    assert notification_key(K.INVOICE_ISSUED, "t1", "trig-1") != first.notification_id
    assert notification_key(K.LOW_BALANCE, "t2", "trig-1") != first.notification_id


def test_channel_preference_and_none_without_a_usable_channel():
    sms = make(K.LOW_BALANCE, channels=[Channel.PUSH, Channel.SMS], phone=" +46700000000 ", push_token=" ")
    assert sms is not None and (sms.channel, sms.recipient) == ("sms", "+46700000000")
    hook = make(K.LOW_BALANCE, channels=[Channel.WEBHOOK], webhook_url="https://fleet.example/hook")
    assert hook is not None and (hook.channel, hook.recipient) == ("webhook", "https://fleet.example/hook")
    assert make(K.LOW_BALANCE, channels=[Channel.SMS, Channel.PUSH]) is None


def test_urgent_kinds_ignore_quiet_hours_and_rate_limits():
    policy = {"time_zone": "UTC", "quiet_hours": {"start": "11:00", "end": "13:30"}, "max_per_hour": 2}
    for kind in K:
        note = make(kind, notification_policy=policy)
        assert note is not None
        if kind in URGENT_KINDS:
            assert (note.urgent, note.not_before, note.rate_limit_per_hour) == (True, None, 0)
        else:
            assert (note.urgent, note.not_before, note.rate_limit_per_hour) == (
                False,
                datetime(2026, 11, 23, 13, 30, tzinfo=UTC),
                2,
            )


def test_account_policy_replaces_the_tenants():
    quiet = {"quiet_hours": {"start": "11:00", "end": "13:00"}}
    note = compose(
        K.LOW_BALANCE,
        tenant=tenant(notification_policy=quiet),
        account=account(notification_policy={"max_per_hour": 5}),
        trigger_id="x",
        facts=FACTS[K.LOW_BALANCE],
        now=NOW,
    )
    assert note is not None and (note.not_before, note.rate_limit_per_hour) == (None, 5)


def test_missing_fact_and_float_money_are_clear_errors():
    with pytest.raises(MissingFactError, match="low_balance for account A1: 'threshold' is undefined"):
        make(K.LOW_BALANCE, facts={"balance": D(1), "currency": "EUR"})
    with pytest.raises(MissingFactError, match=r"needs the facts \['lines'\]"):
        make(K.SESSION_COMPLETED, facts={k: v for k, v in FACTS[K.SESSION_COMPLETED].items() if k != "lines"})
    with pytest.raises(TypeError, match="Decimal"):
        make(K.LOW_BALANCE, facts={"balance": 1.5, "threshold": D(1), "currency": "EUR"})


def test_naive_now_is_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        compose(K.LOW_BALANCE, tenant=tenant(), account=account(), trigger_id="x", facts={}, now=datetime(2026, 1, 1))


def test_created_at_is_utc():
    note = make(K.LOW_BALANCE)
    assert note is not None and note.created_at == NOW and note.created_at.tzinfo is UTC
    assert replace(note, subject="x").notification_id == note.notification_id
