"""Row policies per tenant through the HTTP interface: each tenant's analyst user sees only its tenant's rows.

`chargeledger warehouse users apply` creates the users from the catalog's tenants with passwords from the
environment; the analysts then connect with clickhouse-connect exactly as they would to a ClickHouse server.
"""

from __future__ import annotations

import contextlib
import io
import urllib.parse
import urllib.request
from datetime import UTC, datetime
from urllib.parse import urlparse

import clickhouse_connect
import pytest
from clickhouse_connect.driver.client import Client
from clickhouse_connect.driver.exceptions import DatabaseError

from cli.main import main
from tests.integration.reporting_data import build_reporting_warehouse

pytestmark = pytest.mark.integration

PASSWORDS = {"e2e": "e2e-analyst-secret", "other": "other-analyst-secret"}
TABLES = ["rated_sessions", "session_line_items", "charging_events", "sessions_current", "usage_daily", "dim_sites",
          "utilization_hourly", "meter_hourly_current"]  # fmt: skip


@pytest.fixture(scope="module")
def database(warehouse_url: str, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Client]:
    settings, admin = build_reporting_warehouse(warehouse_url)
    catalog = tmp_path_factory.mktemp("tenants") / "tenants.yaml"
    catalog.write_text(
        "tenants:\n- {tenant_id: e2e, name: E2E, currency: EUR, country: DE}\n"
        "- {tenant_id: other, name: Other, currency: EUR, country: DE}\n- {tenant_id: nopass, name: N, currency: EUR,"
        " country: DE}\n"
    )
    with pytest.MonkeyPatch.context() as env:
        env.setenv("CLICKHOUSE_URL", warehouse_url)
        env.setenv("CHARGELEDGER_CLICKHOUSE_DATABASE", settings.clickhouse_database)
        env.setenv("CHARGELEDGER_ANALYST_PASSWORD_E2E", PASSWORDS["e2e"])
        env.setenv("CHARGELEDGER_ANALYST_PASSWORD_OTHER", PASSWORDS["other"])
        env.delenv("CHARGELEDGER_ANALYST_PASSWORD_NOPASS", raising=False)
        with contextlib.redirect_stdout(io.StringIO()) as printed:
            assert main(["warehouse", "users", "apply", "--catalog", str(catalog)]) == 0
    assert all(secret not in printed.getvalue() for secret in PASSWORDS.values())
    assert "analyst_nopass skipped: set CHARGELEDGER_ANALYST_PASSWORD_NOPASS" in printed.getvalue()
    return warehouse_url, admin


def analyst(url: str, database: str, tenant: str, password: str | None = None) -> Client:
    parts = urlparse(url)
    return clickhouse_connect.get_client(
        host=parts.hostname, port=parts.port, username=f"analyst_{tenant}",
        password=PASSWORDS[tenant] if password is None else password, database=database,
    )  # fmt: skip


def tenants_seen(client: Client, table: str) -> set[str]:
    return {tenant for (tenant,) in client.query(f"SELECT DISTINCT tenant_id FROM {table}").result_rows}


@pytest.mark.parametrize("table", TABLES)
def test_each_analyst_sees_only_its_tenant(database: tuple[str, Client], table: str) -> None:
    url, admin = database
    assert tenants_seen(admin, table) == {"e2e", "other"}  # the administrator sees everyone
    assert tenants_seen(analyst(url, admin.database, "e2e"), table) == {"e2e"}
    assert tenants_seen(analyst(url, admin.database, "other"), table) == {"other"}


def test_wrong_password_and_unknown_user_are_refused(database: tuple[str, Client]) -> None:
    url, admin = database
    with pytest.raises(DatabaseError, match="AUTHENTICATION_FAILED"):
        analyst(url, admin.database, "e2e", password="guess")
    with pytest.raises(DatabaseError, match="AUTHENTICATION_FAILED"):
        analyst(url, admin.database, "nopass", password="")


def test_analysts_cannot_write_or_lift_the_filter(database: tuple[str, Client]) -> None:
    url, admin = database
    client = analyst(url, admin.database, "e2e")
    with pytest.raises(DatabaseError, match=r"READONLY|readonly"):
        client.command("TRUNCATE TABLE rated_sessions")
    with pytest.raises(DatabaseError, match=r"READONLY|readonly"):
        client.insert("dim_tenants", [("e2e", "Mine now", "EUR", "DE", datetime(2026, 10, 1, tzinfo=UTC))],
                      column_names=["tenant_id", "name", "currency", "country", "published_at"])  # fmt: skip
    with pytest.raises(DatabaseError, match=r"READONLY|readonly"):
        client.query("SELECT tenant_id FROM rated_sessions SETTINGS additional_table_filters = {}")
    with pytest.raises(DatabaseError, match="ACCESS_DENIED"):
        client.query(f"SELECT tenant_id FROM merge('{admin.database}', '^rated_sessions$')")
    with pytest.raises(DatabaseError, match="ACCESS_DENIED"):
        client.command("CREATE ROW POLICY p ON db.t FOR SELECT USING 1 TO analyst_e2e")
    assert admin.query("SELECT count() FROM rated_sessions").result_rows[0][0] == 4  # nothing changed


def test_credentials_in_headers_or_url_parameters_work_like_basic_auth(database: tuple[str, Client]) -> None:
    url, admin = database
    query = urllib.parse.urlencode(
        {"database": admin.database, "query": "SELECT DISTINCT tenant_id FROM rated_sessions"}
    )
    by_params = f"{url}/?{query}&" + urllib.parse.urlencode({"user": "analyst_other", "password": PASSWORDS["other"]})
    by_headers = urllib.request.Request(
        f"{url}/?{query}", headers={"X-ClickHouse-User": "analyst_e2e", "X-ClickHouse-Key": PASSWORDS["e2e"]}
    )
    with urllib.request.urlopen(by_params, timeout=30) as reply:
        assert reply.read() == b"other\n"
    with urllib.request.urlopen(by_headers, timeout=30) as reply:
        assert reply.read() == b"e2e\n"
