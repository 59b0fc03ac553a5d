"""The embedded warehouse's access entities: the SQL subset it accepts, authentication, the filters it sets."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from infra.warehouse.access import AccessStore, password_hash
from infra.warehouse.protocol import ProtocolError
from pipelines.warehouse.tenant_access import tenant_user, user_statements

HASHED = f"CREATE USER IF NOT EXISTS analyst_a IDENTIFIED WITH sha256_hash BY '{password_hash('pw', 's1')}' SALT 's1'"


@pytest.fixture
def store(tmp_path: Path) -> AccessStore:
    store = AccessStore(tmp_path / "access.json")
    store.execute(HASHED)
    store.execute("GRANT SELECT ON `db`.* TO `analyst_a`")
    store.execute("CREATE ROW POLICY OR REPLACE `tenant_a` ON `db`.`t` FOR SELECT USING tenant_id = 'a' TO `analyst_a`")
    return store


def test_users_authenticate_by_salted_hash_and_persist(store: AccessStore, tmp_path: Path) -> None:
    user = store.authenticate("analyst_a", "pw")
    assert user is not None and user.databases == ["db"]
    assert store.authenticate("default", "") is None and store.authenticate(None, "") is None  # the administrator
    for name, password in [("analyst_a", "wrong"), ("nobody", "pw")]:
        with pytest.raises(ProtocolError) as refused:
            store.authenticate(name, password)
        assert refused.value.code == 516
    document = json.loads((tmp_path / "access.json").read_text())
    assert "pw" not in json.dumps(document) and AccessStore(tmp_path / "access.json").authenticate("analyst_a", "pw")


def test_create_if_not_exists_keeps_and_alter_rotates_the_password(store: AccessStore) -> None:
    store.execute(HASHED.replace(password_hash("pw", "s1"), password_hash("new", "s1")))
    assert store.authenticate("analyst_a", "pw")
    store.execute(f"ALTER USER analyst_a IDENTIFIED WITH sha256_hash BY '{password_hash('new', 's2')}' SALT 's2'")
    assert store.authenticate("analyst_a", "new")
    store.execute("ALTER USER analyst_a IDENTIFIED BY 'clear'")  # a clear password is hashed with a fresh salt
    assert store.authenticate("analyst_a", "clear")


def test_restricted_settings_filter_every_policy_table_and_end_read_only(store: AccessStore) -> None:
    store.execute("CREATE ROW POLICY p2 ON db.u USING tenant_id = 'a' OR tenant_id = 'shared' TO analyst_a")
    user = store.authenticate("analyst_a", "pw")
    assert user is not None
    settings = store.restricted_settings(user, "SELECT 1", {"max_threads": "2", "readonly": "0",
                                                             "additional_table_filters": "{}"})  # fmt: skip
    assert list(settings) == ["max_threads", "additional_table_filters", "readonly"]
    assert settings["additional_table_filters"] == (
        "{'db.t': '(tenant_id = \\'a\\')', 'db.u': '(tenant_id = \\'a\\' OR tenant_id = \\'shared\\')'}"
    )
    assert settings["readonly"] == "1"


@pytest.mark.parametrize(
    "sql", ["SELECT * FROM merge('db', '.*')", "SELECT * FROM remote('h', db.t)", "DROP USER analyst_a"]
)
def test_named_users_cannot_bypass_or_manage(store: AccessStore, sql: str) -> None:
    user = store.authenticate("analyst_a", "pw")
    assert user is not None
    with pytest.raises(ProtocolError) as refused:
        store.restricted_settings(user, sql, {})
    assert refused.value.code == 497


@pytest.mark.parametrize(
    "sql",
    [
        "CREATE ROLE r",  # not in the subset
        "CREATE ROW POLICY p ON db.t AS RESTRICTIVE FOR SELECT USING 1 TO analyst_a",
        "GRANT INSERT ON db.* TO analyst_a",
        "CREATE ROW POLICY p ON db.t USING 1 TO nobody",  # unknown user
        "CREATE USER default IDENTIFIED BY 'x'",
    ],
)
def test_other_statements_are_refused_by_name(store: AccessStore, sql: str) -> None:
    with pytest.raises(ProtocolError):
        store.execute(sql)


def test_drops_remove_users_and_policies(store: AccessStore) -> None:
    store.execute("DROP ROW POLICY IF EXISTS tenant_a ON db.t")
    user = store.authenticate("analyst_a", "pw")
    assert user is not None and store.restricted_settings(user, "SELECT 1", {})["additional_table_filters"] == "{}"
    store.execute("DROP USER analyst_a")
    with pytest.raises(ProtocolError):
        store.authenticate("analyst_a", "pw")


@given(tenant=st.text(min_size=1, max_size=20), password=st.text(min_size=1, max_size=20))
@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_the_cli_statements_round_trip_through_the_store(tmp_path: Path, tenant: str, password: str) -> None:
    """Whatever the tenant id, the statements `warehouse users apply` sends create that user and that policy."""
    store = AccessStore(tmp_path / f"{uuid.uuid4().hex}.json")
    account = tenant_user(tenant)
    for statement in user_statements("db", account, password, ["t"], lambda: "salt"):
        store.execute(statement)
    user = store.authenticate(account.user, password)
    assert user is not None and user.databases == ["db"]
    (policy,) = store.policies.values()
    assert (policy.database, policy.table, policy.users) == ("db", "t", [account.user])
    assert policy.condition == "tenant_id = '" + tenant.replace("\\", "\\\\").replace("'", "\\'") + "'"
