"""Card-number detection: the pipeline only ever handles gateway tokens, so anything that looks like a primary
account number (a run of 13-19 digits, optionally grouped by single spaces or dashes, that passes the Luhn
check) is refused wherever it appears.

A run of more than 19 digits is an identifier, not a card number, and is not split into candidates.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable
from typing import Any

_DIGIT_RUN = re.compile(r"(?<![0-9])[0-9](?:[ -]?[0-9])*(?![0-9])")
CARD_DIGITS = range(13, 20)


def luhn_valid(digits: str) -> bool:
    """The Luhn (mod 10) check every payment card number satisfies."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 1:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def card_numbers_in(text: str) -> list[str]:
    """Every card-number-like run in `text`, as found (with its separators)."""
    found = []
    for match in _DIGIT_RUN.finditer(text):
        digits = re.sub(r"[ -]", "", match.group())
        if len(digits) in CARD_DIGITS and luhn_valid(digits):
            found.append(match.group())
    return found


def masked(run: str) -> str:
    """A found run as it may be logged or stored: only its last four digits."""
    digits = re.sub(r"[ -]", "", run)
    return f"****{digits[-4:]}"


# Session ids are "tenant/charge point/transaction id", named by stations and already stored with every rated
# session; a station's 13-19 digit transaction id passes the Luhn check one time in ten, so they are exempt.
EXEMPT = frozenset({"session_id"})


def card_number_fields(record: Any, exempt: frozenset[str] = EXEMPT) -> list[str]:
    """The names of a record's string fields (nested dataclasses and sequences included) holding a card number."""
    return sorted({name for name, text in _strings(record, "") if name not in exempt and card_numbers_in(text)})


def _strings(value: Any, path: str) -> Iterable[tuple[str, str]]:
    if isinstance(value, str):
        yield path, value
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for field in dataclasses.fields(value):
            yield from _strings(getattr(value, field.name), f"{path}.{field.name}".lstrip("."))
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(item, f"{path}.{key}".lstrip("."))
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from _strings(item, f"{path}[{index}]")


def redact(text: str) -> str:
    """`text` with every card-number-like run replaced by its masked form."""
    for run in card_numbers_in(text):
        text = text.replace(run, masked(run))
    return text


def redacted(record: Any) -> Any:
    """A flat dataclass record with every card-number-like run in its string fields masked."""
    changes = {
        field.name: redact(value)
        for field in dataclasses.fields(record)
        if isinstance(value := getattr(record, field.name), str) and card_numbers_in(value)
    }
    return dataclasses.replace(record, **changes) if changes else record
