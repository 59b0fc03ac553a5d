"""Driver-facing texts per kind and locale (en, de, sv, es), rendered with jinja2; numbers and dates per locale.

Money is rounded to the currency's minor unit by pipelines.money's rule and written with the locale's
separators and the ISO code (deterministic, and the same on every machine); dates and times come from babel
in the policy's time zone. Templates see the facts of their kind (pipelines/notify/compose.py) plus these
helpers: money(amount), energy(kwh), when(datetime), day(date), masked(token).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from jinja2 import Environment, StrictUndefined, Template, Undefined

from pipelines.money import round_money
from pipelines.notify.kinds import NotificationKind
from pipelines.notify.texts import TEXTS

DEFAULT_LOCALE = "en"
LOCALES = ("en", "de", "sv", "es")
_NBSP = "\u00a0"


@dataclass(frozen=True, slots=True)
class NumberStyle:
    decimal: str
    group: str
    min_grouping_digits: int  # integer digits needed before groups are separated (CLDR minimumGroupingDigits)
    money: str  # pattern with {amount} and {currency}


NUMBER_STYLES: dict[str, NumberStyle] = {
    "en": NumberStyle(".", ",", 4, "{currency} {amount}"),
    "de": NumberStyle(",", ".", 4, "{amount} {currency}"),
    "sv": NumberStyle(",", _NBSP, 4, "{amount} {currency}"),
    "es": NumberStyle(",", ".", 5, "{amount} {currency}"),
}

# Plain-text messages, never HTML: nothing to escape. StrictUndefined turns a missing fact into an error.
_ENV = Environment(undefined=StrictUndefined, autoescape=False, trim_blocks=True, keep_trailing_newline=False)  # noqa: S701


@dataclass(frozen=True, slots=True)
class Rendered:
    subject: str
    body: str


def _compile() -> dict[tuple[NotificationKind, str], tuple[Template, Template]]:
    return {
        (NotificationKind(kind), locale): (_ENV.from_string(subject), _ENV.from_string(body))
        for kind, per_locale in TEXTS.items()
        for locale, (subject, body) in per_locale.items()
    }


_TEMPLATES = _compile()


def render(kind: NotificationKind, locale: str, facts: Mapping[str, object], zone: ZoneInfo) -> Rendered:
    """Subject and body of `kind` in `locale` (English when it has no text); a missing fact raises."""
    subject, body = _TEMPLATES.get((kind, locale)) or _TEMPLATES[(kind, DEFAULT_LOCALE)]
    context = {**facts, **helpers(locale, zone, facts.get("currency"))}
    return Rendered(subject.render(context).strip(), body.render(context).strip())


def helpers(locale: str, zone: ZoneInfo, currency: object) -> dict[str, Callable[..., str]]:
    """Formatting functions bound to one message's locale, time zone and currency."""

    def money(amount: object) -> str:
        _defined(amount)
        if not isinstance(amount, Decimal) or not isinstance(currency, str):
            raise TypeError(f"money needs a Decimal amount and a currency fact, got {amount!r} and {currency!r}")
        return format_money(amount, currency, locale)

    def when(instant: datetime) -> str:
        _defined(instant)
        local = instant.astimezone(zone)
        return f"{format_datetime(local, 'medium', tzinfo=zone, locale=locale)} {local.tzname()}"

    def day(value: date) -> str:
        _defined(value)
        return format_date(value, "medium", locale=locale)

    return {
        "money": money,
        "energy": lambda kwh: format_energy(Decimal(kwh), locale),
        "when": when,
        "day": day,
        "masked": masked,
    }


def _defined(value: object) -> None:
    """A missing fact handed to a helper raises like one written out directly (StrictUndefined)."""
    if isinstance(value, Undefined):
        str(value)


def masked(token: str) -> str:
    """A card id with all but its last four characters hidden: enough to recognise, not to copy."""
    return "\u2022" * max(len(token) - 4, 0) + token[-4:]


def style_for(locale: str) -> NumberStyle:
    return NUMBER_STYLES.get(locale, NUMBER_STYLES[DEFAULT_LOCALE])


def format_number(value: Decimal, decimals: int, locale: str) -> str:
    """A number with exactly `decimals` decimals (half up), in the locale's separators and grouping."""
    style = style_for(locale)
    fixed = f"{abs(value).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP):f}"
    whole, _, fraction = fixed.partition(".")
    if len(whole) >= style.min_grouping_digits:
        whole = f"{int(whole):,}".replace(",", style.group)
    sign = "-" if value < 0 and Decimal(fixed) != 0 else ""
    return sign + whole + (style.decimal + fraction if fraction else "")


def format_money(amount: Decimal, currency: str, locale: str) -> str:
    """The amount rounded to the currency's minor unit by pipelines.money's rule, with its ISO code."""
    rounded = round_money(amount, currency)
    exponent = rounded.as_tuple().exponent
    decimals = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    return style_for(locale).money.format(amount=format_number(rounded, decimals, locale), currency=currency)


def format_energy(kwh: Decimal, locale: str) -> str:
    """KWh with 3 decimals, or 2 when the third is zero (12.50, 12.345)."""
    text = format_number(kwh, 3, locale)
    return text[:-1] if text.endswith("0") else text
