from datetime import UTC, datetime, timedelta

from pipelines.notify.models import DEAD_LETTER, FAILED, SENT, Notification
from pipelines.notify.senders.schedule import RateLimiter, SendQueue, backoff, delivery

T0 = datetime(2026, 11, 23, 12, tzinfo=UTC)
MIN = timedelta(minutes=1)


def note(n: int = 1, recipient: str = "kim@example.org", **fields) -> Notification:
    return Notification(f"id-{n}", "t1", "low_balance", "A1", recipient, "email", "en", "s", "b", None, T0,
                        **fields)  # fmt: skip


def queue(**fields) -> SendQueue:
    return SendQueue(**({"max_attempts": 3, "backoff_base_s": 60, "backoff_max_s": 600} | fields))


def test_rate_limiter_sliding_hour():
    limiter = RateLimiter()
    for minute in (0, 10, 20):
        limiter.record("r", T0 + minute * MIN)
    assert limiter.next_slot("r", 3, T0 + 30 * MIN) == T0 + 60 * MIN  # the oldest ages out
    assert limiter.next_slot("r", 4, T0 + 30 * MIN) == T0 + 30 * MIN
    assert limiter.next_slot("r", 0, T0 + 30 * MIN) == T0 + 30 * MIN  # 0: no limit
    assert limiter.next_slot("r", 3, T0 + 61 * MIN) == T0 + 61 * MIN
    assert limiter.next_slot("other", 1, T0) == T0


def test_quiet_hours_hold_a_message_until_not_before():
    q = queue()
    assert q.admit(note(not_before=T0 + 90 * MIN), "src", T0)
    assert q.due(T0 + 89 * MIN) == [] and q.next_due() == T0 + 90 * MIN
    assert [item.note.notification_id for item in q.due(T0 + 90 * MIN)] == ["id-1"]


def test_urgent_messages_ignore_quiet_hours_and_rate_limits():
    q = queue()
    for n in range(3):
        q.admit(note(n, urgent=True, not_before=T0 + 90 * MIN, rate_limit_per_hour=1), "src", T0)
    assert len(q.due(T0)) == 3


def test_rate_limit_defers_the_third_message_to_the_next_free_slot():
    q = queue()
    for n in range(3):
        q.admit(note(n, rate_limit_per_hour=2), "src", T0 + n * MIN)
    first = q.due(T0 + 2 * MIN)
    assert [item.note.notification_id for item in first] == ["id-0", "id-1"]
    for item in first:
        q.outcome(item, None, False, T0 + 2 * MIN)
    assert q.next_due() == T0 + 62 * MIN  # deferred, not dropped
    assert [i.note.notification_id for i in q.due(T0 + 62 * MIN)] == ["id-2"]


def test_other_recipients_are_not_held_up():
    q = queue()
    q.admit(note(1, rate_limit_per_hour=1), "src", T0)
    q.admit(note(2, rate_limit_per_hour=1), "src", T0)
    q.admit(note(3, "sam@example.org", rate_limit_per_hour=1), "src", T0)
    assert [i.note.notification_id for i in q.due(T0)] == ["id-1", "id-3"]


def test_retries_with_backoff_then_a_dead_letter():
    q = queue()
    q.admit(note(), "src", T0)
    (item,) = q.due(T0)
    failed = q.outcome(item, "HTTP 500", True, T0)
    assert (failed.status, failed.attempt, failed.reason) == (FAILED, 1, "HTTP 500")
    assert q.next_due() == T0 + backoff(1, 60, 600) == T0 + MIN
    (item,) = q.due(T0 + MIN)
    assert item.attempt == 2 and q.outcome(item, "HTTP 500", True, T0 + MIN).status == FAILED
    (item,) = q.due(T0 + 3 * MIN)
    last = q.outcome(item, "HTTP 503", True, T0 + 3 * MIN)
    assert (last.status, last.attempt, last.reason) == (DEAD_LETTER, 3, "after 3 attempt(s): HTTP 503")
    assert q.next_due() is None and not q.admit(note(), "src", T0 + 4 * MIN)  # settled: a redelivery is skipped


def test_a_final_failure_dead_letters_at_once():
    q = queue()
    q.admit(note(), "src", T0)
    (item,) = q.due(T0)
    assert q.outcome(item, "HTTP 404", False, T0).status == DEAD_LETTER


def test_redelivered_and_restored_ids_are_skipped():
    q = queue()
    assert q.admit(note(), "a", T0) and not q.admit(note(), "b", T0)  # already waiting
    (item,) = q.due(T0)
    assert q.outcome(item, None, False, T0).status == SENT
    assert not q.admit(note(), "c", T0)
    restored = queue()
    restored.restore(delivery(note(7, rate_limit_per_hour=1), SENT, 1, "", T0))
    restored.restore(delivery(note(8), FAILED, 1, "x", T0))
    assert not restored.admit(note(7), "src", T0) and restored.admit(note(8), "src", T0)
    assert restored.limiter.next_slot("kim@example.org", 1, T0 + MIN) == T0 + 60 * MIN


def test_backoff_doubles_and_is_capped():
    assert [backoff(n, 2, 10).total_seconds() for n in (1, 2, 3, 4)] == [2, 4, 8, 10]
