"""The wallet in its table: a command touches only its own keys, values stay small, outcomes equal the pure step."""

from decimal import Decimal

import orjson
from hypothesis import given, settings
from hypothesis import strategies as st

from pipelines.wallets.ledger import WalletRules, step
from pipelines.wallets.models import SESSION_DEBIT, TOPUP, WalletCommand, WalletEntry
from pipelines.wallets.state import credit_key, load_state, session_key, store_state
from tests.unit.wallets.test_ledger import RULES, command, commands, run

WALLET = b"t1/A1"


def apply(table: dict[bytes, bytes], cmd: WalletCommand, rules: WalletRules = RULES) -> tuple[WalletEntry, ...]:
    before = load_state(table, WALLET, cmd)
    after, outcome = step(before, cmd, rules)
    store_state(table, WALLET, before, after)
    return outcome.entries


@settings(deadline=None)  # a shared 2-core machine: timing says nothing here
@given(st.lists(commands, max_size=30))
def test_the_table_gives_the_same_entries_and_balance_as_the_whole_state_in_memory(cmds: list[WalletCommand]) -> None:
    table: dict[bytes, bytes] = {}
    entries = [entry for cmd in cmds for entry in apply(table, cmd)]
    state, expected, _ = run(cmds)
    assert entries == expected
    assert load_state(table, WALLET, command(TOPUP, "any", "0")).balance == state.balance


def test_values_stay_the_size_of_one_session_however_many_an_account_pays_for() -> None:
    table: dict[bytes, bytes] = {}
    apply(table, command(TOPUP, "P1", "100000"))
    sizes = []
    for n in range(2000):
        apply(table, command(SESSION_DEBIT, f"t1/CP-{n % 40}/{n}", "7.35", revision=1))
        sizes.append(max(len(value) for value in table.values()))
    assert sizes[-1] == sizes[0] < 120
    assert orjson.loads(table[WALLET])["balance"] == str(Decimal(100000) - 2000 * Decimal("7.35"))


def test_a_format_1_value_is_split_on_first_read_and_its_history_still_counts() -> None:
    old = {"format": 1, "balance": "40.00", "currency": "EUR", "sessions": {"S1": [2, "10.00"]},
           "credits": ["topup/P1"], "pending_topup": None}  # fmt: skip
    table = {WALLET: orjson.dumps(old)}
    assert apply(table, command(SESSION_DEBIT, "S1", "10.00", revision=2)) == ()  # already debited
    assert apply(table, command(TOPUP, "P1", "50")) == ()  # already credited
    (entry,) = apply(table, command(SESSION_DEBIT, "S1", "12.00", revision=3))  # a correction: the difference
    assert (entry.amount, entry.balance_after) == (Decimal("-2.00"), Decimal("38.00"))
    assert orjson.loads(table[WALLET])["format"] == 2
    assert session_key(WALLET, "S1") in table and credit_key(WALLET, "topup/P1") in table
