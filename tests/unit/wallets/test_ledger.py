"""The wallet step: balance = sum of the ledger, one debit per session revision, credits once, alerts once."""

from datetime import UTC, datetime
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from pipelines.wallets.ledger import WalletRules, WalletState, step
from pipelines.wallets.models import (
    ADJUSTMENT,
    AUTO_TOPUP,
    PAYMENT_FAILED,
    REFUND,
    SESSION_DEBIT,
    TOPUP,
    WalletCommand,
    WalletEntry,
)

AT = datetime(2026, 11, 23, 10, tzinfo=UTC)
RULES = WalletRules(low_balance_threshold=Decimal(5))


def command(kind: str, reference: str, amount: str, revision: int = 0, currency: str = "EUR") -> WalletCommand:
    return WalletCommand(f"{kind}/{reference}/{revision}", "t1", "A1", kind, reference, revision, Decimal(amount),
                         currency, AT)  # fmt: skip


def run(commands: list[WalletCommand], rules: WalletRules = RULES) -> tuple[WalletState, list[WalletEntry], list]:
    state, entries, alerts = WalletState(), [], []
    for cmd in commands:
        state, outcome = step(state, cmd, rules)
        entries += outcome.entries
        alerts += [outcome.low_balance] if outcome.low_balance else []
    return state, entries, alerts


def test_a_corrected_revision_debits_only_the_difference_and_an_older_one_nothing() -> None:
    state, entries, _ = run([
        command(TOPUP, "P1", "50"),
        command(SESSION_DEBIT, "S1", "12.40", revision=1),
        command(SESSION_DEBIT, "S1", "10.00", revision=2),
        command(SESSION_DEBIT, "S1", "12.40", revision=1),  # late redelivery of the first revision
    ])  # fmt: skip
    assert [e.amount for e in entries] == [Decimal(50), Decimal("-12.40"), Decimal("2.40")]
    assert state.balance == Decimal(40) == entries[-1].balance_after


def test_low_balance_fires_once_per_downward_crossing() -> None:
    _, _, alerts = run([
        command(TOPUP, "P1", "10"),
        command(SESSION_DEBIT, "S1", "4", revision=1),  # 6: above
        command(SESSION_DEBIT, "S2", "2", revision=1),  # 4: crossed
        command(SESSION_DEBIT, "S3", "1", revision=1),  # 3: still below, no second alert
        command(TOPUP, "P2", "10"),  # 13
        command(SESSION_DEBIT, "S4", "9", revision=1),  # 4: crossed again
    ])  # fmt: skip
    assert [a.balance for a in alerts] == [Decimal(4), Decimal(4)]


def test_auto_topup_asks_once_until_its_result_arrives_and_a_late_success_credits_once() -> None:
    rules = WalletRules(Decimal(5), topup_below=Decimal(5), topup_amount=Decimal(20), payment_token="tok")
    state, first = step(WalletState(), command(SESSION_DEBIT, "S1", "3", revision=1), rules)
    assert first.topup is not None and first.topup.amount == Decimal(20)
    payment = first.topup.payment_id
    state, second = step(state, command(SESSION_DEBIT, "S2", "1", revision=1), rules)
    assert second.topup is None  # one in flight
    state, _ = step(state, command(PAYMENT_FAILED, payment, "0"), rules)  # timed out
    state, credit = step(state, command(AUTO_TOPUP, payment, "20"), rules)  # ... and succeeded late
    state, again = step(state, command(AUTO_TOPUP, payment, "20"), rules)  # redelivered
    assert [e.amount for e in credit.entries] == [Decimal(20)] and again.entries == ()
    assert state.balance == Decimal(16) and state.pending_topup is None


def test_a_command_in_another_currency_is_rejected_without_an_entry() -> None:
    state, _, _ = run([command(TOPUP, "P1", "10")])
    after, outcome = step(state, command(TOPUP, "P2", "10", currency="SEK"), RULES)
    assert outcome.rejected and "SEK" in outcome.rejected and after == state


amounts = st.decimals(min_value=0, max_value=200, places=2)
commands = st.one_of(
    st.builds(lambda ref, rev, amt: command(SESSION_DEBIT, f"S{ref}", str(amt), revision=rev),
              st.integers(0, 5), st.integers(1, 3), amounts),
    st.builds(lambda kind, ref, amt: command(kind, f"P{ref}", str(amt)),
              st.sampled_from([TOPUP, REFUND, ADJUSTMENT]), st.integers(0, 5), amounts),
)  # fmt: skip


@settings(deadline=None)  # a shared 2-core machine: timing says nothing here
@given(st.lists(commands, max_size=30))
def test_balance_is_always_the_sum_of_the_ledger(cmds: list[WalletCommand]) -> None:
    state, entries, _ = run(cmds)
    running = Decimal(0)
    for entry in entries:
        running += entry.amount
        assert entry.balance_after == running
    assert state.balance == running


def _expected_balance(cmds: list[WalletCommand]) -> Decimal:
    """Credits once per reference (first delivery wins), minus each session's highest revision's charge."""
    credits: dict[str, Decimal] = {}
    sessions: dict[str, tuple[int, Decimal]] = {}
    for c in cmds:
        if c.kind == SESSION_DEBIT:
            if c.revision > sessions.get(c.reference, (0, Decimal(0)))[0]:
                sessions[c.reference] = (c.revision, c.amount)
        else:
            credits.setdefault(f"{c.kind}/{c.reference}", c.amount)
    return sum(credits.values(), Decimal(0)) - sum((a for _, a in sessions.values()), Decimal(0))


@settings(deadline=None)  # a shared 2-core machine: timing says nothing here
@given(st.lists(commands, max_size=20), st.data())
def test_redelivered_and_reordered_duplicates_never_debit_or_credit_twice(cmds: list[WalletCommand], data) -> None:
    once, entries_once, _ = run(cmds)
    redelivered = list(cmds)
    for cmd in data.draw(st.lists(st.sampled_from(cmds), max_size=10)) if cmds else []:
        # a duplicate arrives at any point after its original
        first = redelivered.index(cmd)
        redelivered.insert(data.draw(st.integers(first + 1, len(redelivered))), cmd)
    twice, entries_twice, _ = run(redelivered)
    assert twice.balance == once.balance == _expected_balance(cmds)
    assert [e.entry_id for e in entries_twice] == [e.entry_id for e in entries_once]


@settings(deadline=None)  # a shared 2-core machine: timing says nothing here
@given(st.lists(commands, max_size=15), amounts, amounts)
def test_a_concurrent_topup_and_debit_commute(cmds: list[WalletCommand], topup: Decimal, debit: Decimal) -> None:
    credit, charge = command(TOPUP, "PX", str(topup)), command(SESSION_DEBIT, "SX", str(debit), revision=1)
    one, entries_one, _ = run([*cmds, credit, charge])
    other, entries_other, _ = run([*cmds, charge, credit])
    assert one.balance == other.balance
    assert {(e.entry_id, e.amount) for e in entries_one} == {(e.entry_id, e.amount) for e in entries_other}
