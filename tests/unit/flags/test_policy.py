import pytest

from pipelines.catalog.flag_policy import DEFAULT_FLAG_POLICY
from pipelines.catalog.load import CatalogError, parse_catalog

TENANT = {"tenant_id": "t1", "name": "T", "currency": "EUR", "country": "DE"}


def test_a_tenant_without_policy_is_valid_and_gets_the_defaults_downstream() -> None:
    assert parse_catalog({"tenants": [TENANT]}).tenants[0].flag_policy is None
    assert DEFAULT_FLAG_POLICY.block_flagged_tokens is False


def test_every_bad_threshold_is_reported_at_once() -> None:
    policy = {"heartbeat_interval_s": 0, "rapid_session_count": 1, "no_such_threshold": 3}
    with pytest.raises(CatalogError) as raised:
        parse_catalog({"tenants": [{**TENANT, "flag_policy": policy}]})
    text = str(raised.value)
    assert "heartbeat_interval_s" in text and "rapid_session_count" in text and "no_such_threshold" in text


def test_blocklist_entries_need_a_known_tenant() -> None:
    with pytest.raises(CatalogError, match="blocklist"):
        parse_catalog({"tenants": [TENANT], "blocklist": [{"uid": "X", "tenant_id": "nobody"}]})
    assert parse_catalog({"tenants": [TENANT], "blocklist": [{"uid": "X", "tenant_id": "t1"}]}).blocklist[0].uid == "X"
