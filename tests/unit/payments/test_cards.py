"""Card numbers are found wherever they hide (spaces, dashes, any field) and only Luhn-valid 13-19 digit runs."""

from dataclasses import dataclass

from hypothesis import given, settings
from hypothesis import strategies as st

from pipelines.payments.cards import card_number_fields, card_numbers_in, luhn_valid, redact, redacted


@dataclass(frozen=True)
class Note:
    token: str
    memo: str
    tags: tuple[str, ...] = ()


def test_test_cards_in_any_grouping_are_found() -> None:
    for text in ("4111111111111111", "pay 4111 1111 1111 1111 now", "5500-0000-0000-0004", "378282246310005",
                 "4222222222222"):  # fmt: skip
        assert card_numbers_in(text), text


def test_non_cards_are_not_found() -> None:
    for text in ("4111111111111112", "123456789012", "12345678901234567890123", "tok_sandbox_approve",
                 "+49 241 0000 0000", "2026-11-23T10:00:00Z"):  # fmt: skip
        assert not card_numbers_in(text), text


def test_fields_are_named_and_redaction_keeps_only_the_last_four_digits() -> None:
    note = Note("tok_1", "card 4111-1111-1111-1111", ("x", "4111111111111111"))
    assert card_number_fields(note) == ["memo", "tags[1]"]
    assert redact(note.memo) == "card ****1111"
    assert redacted(Note("4111111111111111", "ok")).token == "****1111"


@settings(deadline=None)  # a shared 2-core machine: timing says nothing here
@given(st.lists(st.integers(0, 9), min_size=12, max_size=18))
def test_every_luhn_completed_number_of_13_to_19_digits_is_found(body: list[int]) -> None:
    digits = "".join(map(str, body))
    check = next(d for d in "0123456789" if luhn_valid(digits + d))
    assert card_numbers_in(f"ref {digits}{check} end")


@dataclass(frozen=True)
class WithSession:
    session_id: str
    note: str


def test_station_named_session_ids_are_exempt_other_fields_are_not() -> None:
    # 4111111111111111 as a transaction id: stations name them, every rated session already holds it
    assert card_number_fields(WithSession("t1/CP-1/4111111111111111", "4111111111111111")) == ["note"]
