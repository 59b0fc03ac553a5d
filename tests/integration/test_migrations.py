import uuid
from pathlib import Path
from urllib.parse import urlsplit

import clickhouse_connect
import pytest

from pipelines.warehouse.migrate import MigrationError, apply_migrations

FIRST = """-- two statements in one file
CREATE TABLE IF NOT EXISTS {database}.tariffs (id String, price Decimal(18, 6)) ENGINE = MergeTree ORDER BY id;
INSERT INTO {database}.tariffs VALUES ('t1', 0.39);
"""
SECOND = "ALTER TABLE {database}.tariffs ADD COLUMN IF NOT EXISTS currency LowCardinality(String) DEFAULT 'EUR';\n"


@pytest.fixture
def client(warehouse_url):
    parts = urlsplit(warehouse_url)
    return clickhouse_connect.get_client(host=parts.hostname, port=parts.port)


@pytest.fixture
def database(client):
    name = f"m_{uuid.uuid4().hex[:10]}"
    yield name
    client.command(f"DROP DATABASE IF EXISTS {name}")


@pytest.fixture
def migrations(tmp_path: Path) -> Path:
    (tmp_path / "0001_tariffs.sql").write_text(FIRST)
    (tmp_path / "0002_currency.sql").write_text(SECOND)
    return tmp_path


def test_applies_in_order_creates_the_database_and_records_each_once(client, database, migrations):
    assert apply_migrations(client, migrations, database) == ["0001_tariffs.sql", "0002_currency.sql"]
    assert apply_migrations(client, migrations, database) == []
    records = client.query(f"SELECT name, count() FROM {database}.schema_migrations GROUP BY name ORDER BY name")
    assert records.result_rows == [("0001_tariffs.sql", 1), ("0002_currency.sql", 1)]
    assert client.query(f"SELECT id, currency FROM {database}.tariffs").result_rows == [("t1", "EUR")]


def test_new_files_are_applied_later(client, database, migrations):
    apply_migrations(client, migrations, database)
    (migrations / "0003_more.sql").write_text("INSERT INTO {database}.tariffs (id, price) VALUES ('t2', 0.5);\n")
    assert apply_migrations(client, migrations, database) == ["0003_more.sql"]
    assert client.command(f"SELECT count() FROM {database}.tariffs") == 2


def test_changed_applied_file_is_refused(client, database, migrations):
    apply_migrations(client, migrations, database)
    (migrations / "0001_tariffs.sql").write_text(FIRST + "-- edited\n")
    (migrations / "0003_more.sql").write_text("SELECT 1;\n")
    with pytest.raises(MigrationError, match=r"0001_tariffs.sql: applied with checksum"):
        apply_migrations(client, migrations, database)
    applied = client.query(f"SELECT name FROM {database}.schema_migrations ORDER BY name").result_rows
    assert ("0003_more.sql",) not in applied


def test_failing_statement_names_file_and_statement(client, database, tmp_path):
    (tmp_path / "0001_bad.sql").write_text(
        "CREATE TABLE {database}.ok (a UInt8) ENGINE = Memory;\nCREATE TABLEE nope;\n"
    )
    with pytest.raises(MigrationError, match=r"0001_bad.sql, statement 2 failed"):
        apply_migrations(client, tmp_path, database)
    assert client.command(f"SELECT count() FROM {database}.schema_migrations") == 0


def test_real_schema_files_apply(client, database):
    directory = Path(__file__).resolve().parents[2] / "schemas" / "clickhouse"
    applied = apply_migrations(client, directory, database)
    assert applied == sorted(path.name for path in directory.glob("*.sql"))
