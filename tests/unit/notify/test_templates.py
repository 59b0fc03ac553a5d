from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipelines.notify.templates import format_energy, format_money, format_number, masked


@pytest.mark.parametrize(
    ("amount", "currency", "locale", "text"),
    [
        (D("0.005"), "EUR", "en", "EUR 0.01"),
        (D("1234567.891"), "EUR", "de", "1.234.567,89 EUR"),
        (D("99.999"), "SEK", "sv", "100,00 SEK"),
        (D("12345.5"), "HUF", "es", "12.345,50 HUF"),
        (D("-3.456"), "CHF", "en", "CHF -3.46"),
        (D("10.4"), "JPY", "de", "10 JPY"),
        (D("1.2345"), "KWD", "en", "KWD 1.235"),
    ],
)
def test_format_money(amount, currency, locale, text):
    assert format_money(amount, currency, locale) == text


def test_format_energy_keeps_two_or_three_decimals():
    assert [format_energy(D(v), "en") for v in ("12.5", "12.345", "12.3456", "0")] == [
        "12.50",
        "12.345",
        "12.346",
        "0.00",
    ]


def test_masked_shows_only_the_last_four_characters():
    assert [masked(v) for v in ("04A1B2C3", "ABC", "")] == ["\u2022\u2022\u2022\u2022B2C3", "ABC", ""]


@given(st.decimals(min_value=-(10**9), max_value=10**9, places=4), st.sampled_from(["en", "de", "sv", "es"]))
def test_format_number_round_trips(value, locale):
    text = format_number(value, 2, locale)
    separators = {"en": (",", "."), "de": (".", ","), "sv": ("\u00a0", ","), "es": (".", ",")}[locale]
    plain = text.replace(separators[0], "").replace(separators[1], ".")
    assert D(plain) == value.quantize(D("0.01"), rounding="ROUND_HALF_UP")
