"""Transaction ids: strictly increasing, reserved on disk before use, never reused after a restart, int32."""

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipelines.gateway.txids import (
    BLOCK,
    EPOCH,
    MAX_TRANSACTION_ID,
    IdRange,
    TransactionIdError,
    TransactionIds,
    resume,
    take,
)

NOW = datetime(2026, 11, 23, 10, tzinfo=UTC)
FLOOR = int((NOW - EPOCH).total_seconds())


def test_resume_starts_past_the_reservation_and_the_clock():
    assert resume(None, NOW) == IdRange(FLOOR, FLOOR)
    assert resume(FLOOR + 5000, NOW) == IdRange(FLOOR + 5000, FLOOR + 5000)
    assert resume(7, datetime(2019, 1, 1, tzinfo=UTC)).next_id == 7


@given(st.integers(1, MAX_TRANSACTION_ID - 3 * BLOCK), st.integers(1, 3 * BLOCK))
def test_ids_increase_and_are_always_reserved_before_use(start, count):
    ids, persisted, seen = IdRange(start, start), start, []
    for _ in range(count):
        ids, transaction_id, reserve = take(ids)
        if reserve is not None:
            assert reserve > persisted
            persisted = reserve
        assert transaction_id < persisted  # handed out only below what is on disk
        seen.append(transaction_id)
    assert seen == list(range(start, start + count))


def test_ceiling_is_int32():
    ids, transaction_id, reserve = take(IdRange(MAX_TRANSACTION_ID, MAX_TRANSACTION_ID))
    assert (transaction_id, reserve) == (MAX_TRANSACTION_ID, MAX_TRANSACTION_ID + 1)
    with pytest.raises(TransactionIdError):
        take(ids)


def test_restart_never_reuses_ids(tmp_path):
    path = tmp_path / "gateway" / "transaction-ids"
    first = TransactionIds(path, NOW)
    given_out = [first.next() for _ in range(BLOCK + 10)]
    first.close()
    assert int(path.read_text()) == FLOOR + 2 * BLOCK
    again = TransactionIds(path, NOW)
    assert again.next() > max(given_out)
    again.close()


def test_two_gateways_cannot_share_a_state_dir(tmp_path):
    path = tmp_path / "transaction-ids"
    first = TransactionIds(path, NOW)
    with pytest.raises(TransactionIdError, match="another gateway"):
        TransactionIds(path, NOW)
    first.close()
    TransactionIds(path, NOW).close()


def test_corrupt_state_is_reported(tmp_path):
    path = tmp_path / "transaction-ids"
    path.write_text("twelve")
    with pytest.raises(TransactionIdError, match="does not hold a number"):
        TransactionIds(path, NOW)
