"""Driver-facing texts per locale (en, de, sv, es) and the locale's way of writing money and numbers."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from pipelines.money import round_money

DEFAULT_LOCALE = "en"
_NBSP = "\u00a0"


@dataclass(frozen=True, slots=True)
class Template:
    subject: str
    body: str


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

# Placeholders: station, start, end (UTC, ISO 8601), duration (h:mm), energy (kWh), total (incl. VAT), session_id.
SESSION_COMPLETED: dict[str, Template] = {
    "en": Template(
        subject="Charging complete at {station}: {total}",
        body=(
            "Your charging session at {station} is complete.\n\n"
            "Start: {start}\nEnd: {end}\nDuration: {duration}\nEnergy: {energy} kWh\n"
            "Total incl. VAT: {total}\n\nSession {session_id}"
        ),
    ),
    "de": Template(
        subject="Ladevorgang an {station} abgeschlossen: {total}",
        body=(
            "Ihr Ladevorgang an {station} ist abgeschlossen.\n\n"
            "Beginn: {start}\nEnde: {end}\nDauer: {duration}\nEnergie: {energy} kWh\n"
            "Gesamt inkl. MwSt.: {total}\n\nLadevorgang {session_id}"
        ),
    ),
    "sv": Template(
        subject="Laddningen vid {station} är klar: {total}",
        body=(
            "Din laddning vid {station} är klar.\n\n"
            "Start: {start}\nSlut: {end}\nTid: {duration}\nEnergi: {energy} kWh\n"
            "Totalt inkl. moms: {total}\n\nLaddning {session_id}"
        ),
    ),
    "es": Template(
        subject="Carga completada en {station}: {total}",
        body=(
            "Su sesión de carga en {station} ha finalizado.\n\n"
            "Inicio: {start}\nFin: {end}\nDuración: {duration}\nEnergía: {energy} kWh\n"
            "Total con IVA: {total}\n\nSesión {session_id}"
        ),
    ),
}


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
