import pytest

from pipelines.catalog.models import Channel
from pipelines.notify.logic import choose_locale, pick_channel
from tests.unit.notify.facts import account


def test_first_channel_with_an_address_wins():
    chosen = account(channels=[Channel.PUSH, Channel.SMS, Channel.EMAIL], phone=" +46700000000 ", push_token="  ")
    assert pick_channel(chosen) == (Channel.SMS, "+46700000000")


def test_webhook_channel_and_none_without_an_address():
    assert pick_channel(account(channels=[Channel.WEBHOOK], webhook_url="https://x.example/h")) == (
        Channel.WEBHOOK,
        "https://x.example/h",
    )
    assert pick_channel(account(channels=[Channel.SMS, Channel.PUSH])) is None


@pytest.mark.parametrize(("language", "locale"), [("DE", "de"), ("de_AT", "de"), ("sv-SE", "sv"), ("", "en"),
                                                  ("pt-BR", "en")])  # fmt: skip
def test_choose_locale(language, locale):
    assert choose_locale(language) == locale
