from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from pipelines.catalog.models import Account, Catalog
from pipelines.catalog.notification_policy import DEFAULT_POLICY, NotificationPolicy, effective_policy

BERLIN = {"time_zone": "Europe/Berlin", "quiet_hours": {"start": "22:00", "end": "07:00"}}


@pytest.mark.parametrize(
    ("now", "release"),
    [
        (datetime(2026, 11, 23, 20, 59, tzinfo=UTC), None),  # 21:59 local: not yet quiet
        (datetime(2026, 11, 23, 21, 0, tzinfo=UTC), datetime(2026, 11, 24, 6, 0, tzinfo=UTC)),  # 22:00 local
        (datetime(2026, 11, 24, 3, 0, tzinfo=UTC), datetime(2026, 11, 24, 6, 0, tzinfo=UTC)),  # 04:00 local
        (datetime(2026, 11, 24, 6, 0, tzinfo=UTC), None),  # 07:00 local: the window is half-open
        (datetime(2026, 3, 28, 22, 0, tzinfo=UTC), datetime(2026, 3, 29, 5, 0, tzinfo=UTC)),  # DST starts overnight
    ],
)
def test_quiet_hours_across_midnight_in_local_time(now, release):
    assert NotificationPolicy.model_validate(BERLIN).not_before(now) == release


def test_quiet_hours_within_one_day_and_none_without_them():
    policy = NotificationPolicy.model_validate({"quiet_hours": {"start": "12:00", "end": "14:00"}})
    assert policy.not_before(datetime(2026, 1, 1, 13, tzinfo=UTC)) == datetime(2026, 1, 1, 14, tzinfo=UTC)
    assert policy.not_before(datetime(2026, 1, 1, 14, tzinfo=UTC)) is None
    assert policy.not_before(datetime(2026, 1, 1, 11, tzinfo=UTC)) is None
    assert DEFAULT_POLICY.not_before(datetime(2026, 1, 1, 3, tzinfo=UTC)) is None


def test_the_accounts_policy_replaces_the_tenants():
    own, tenants = NotificationPolicy(max_per_hour=3), NotificationPolicy(max_per_hour=9)
    assert effective_policy(tenants, own) is own
    assert effective_policy(tenants, None) is tenants
    assert effective_policy(None, None) is DEFAULT_POLICY


def test_bad_policies_are_refused_with_every_problem():
    with pytest.raises(ValidationError) as raised:
        NotificationPolicy.model_validate({"time_zone": "Mars/Base", "max_per_hour": 0, "running_cost_limit": "-1"})
    text = str(raised.value)
    assert "unknown IANA time zone 'Mars/Base'" in text and "max_per_hour" in text and "running_cost_limit" in text


def test_old_catalogs_stay_valid_and_accounts_take_a_policy():
    account = {"account_id": "A", "tenant_id": "t", "name": "n"}
    assert Account.model_validate(account).notification_policy is None
    catalog = Catalog.model_validate({"accounts": [account | {"notification_policy": BERLIN}]})
    assert catalog.accounts[0].notification_policy == NotificationPolicy.model_validate(BERLIN)
