import datetime as dt
import subprocess
import sys
import time
import uuid
from decimal import Decimal
from pathlib import Path
from urllib.parse import quote, urlsplit

import clickhouse_connect
import pyarrow as pa
import pytest
from clickhouse_connect.driver.exceptions import DatabaseError

from infra.warehouse.launch import free_port, running_warehouse, warehouse_argv

COLUMNS = ["id", "price", "at", "tag", "note", "values"]
DDL = (
    "CREATE TABLE {db}.charges (id UInt64, price Decimal(18, 6), at DateTime64(3, 'UTC'), "
    "tag LowCardinality(String), note Nullable(String), values Array(Int32)) ENGINE = MergeTree ORDER BY id"
)
ROWS = [
    (1, Decimal("12.345678"), dt.datetime(2026, 11, 23, 10, 0, 0, 123000, tzinfo=dt.UTC), "AC", None, [1, 2]),
    (2, Decimal("-0.000001"), dt.datetime(2026, 11, 23, 11, 30, tzinfo=dt.UTC), "DC", "idle fee", []),
]


def client_for(url: str, **kwargs):
    parts = urlsplit(url)
    return clickhouse_connect.get_client(host=parts.hostname, port=parts.port, **kwargs)


@pytest.fixture(params=[False, True, "zstd", "gzip"], ids=["plain", "lz4", "zstd", "gzip"])
def client(request, warehouse_url):
    return client_for(warehouse_url, compress=request.param)


@pytest.fixture
def database(warehouse_url):
    name = f"t_{uuid.uuid4().hex[:10]}"
    admin = client_for(warehouse_url)
    admin.command(f"CREATE DATABASE {name}")
    admin.command(DDL.format(db=name))
    yield name
    admin.command(f"DROP DATABASE IF EXISTS {name}")


def curl(url: str, sql: str, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(["curl", "-sS", *extra, f"{url}/?query={quote(sql)}"], capture_output=True, timeout=30)


def as_utc(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def test_insert_native_and_query_round_trip_every_type(client, database):
    summary = client.insert("charges", ROWS, column_names=COLUMNS, database=database)
    assert summary.written_rows == 2
    rows = client.query(f"SELECT {', '.join(COLUMNS)} FROM {database}.charges ORDER BY id").result_rows
    assert [(r[0], r[1], as_utc(r[2]), *r[3:]) for r in rows] == ROWS


def test_insert_arrow_and_query_arrow(client, database):
    table = pa.table(
        {
            "id": pa.array([10, 11], pa.uint64()),
            "price": pa.array([Decimal("0.439000"), Decimal("1000000.000001")], pa.decimal128(18, 6)),
            "at": pa.array([dt.datetime(2026, 1, 1, tzinfo=dt.UTC)] * 2, pa.timestamp("ms", tz="UTC")),
            "tag": ["AC", "AC"],
            "note": [None, "x"],
            "values": pa.array([[7], [8, 9]], pa.list_(pa.int32())),
        }
    )
    assert client.insert_arrow(f"{database}.charges", table).written_rows == 2
    result = client.query_arrow(f"SELECT * FROM {database}.charges ORDER BY id")
    assert result.column("price").to_pylist() == [Decimal("0.439000"), Decimal("1000000.000001")]
    assert result.column("note").to_pylist() == [None, "x"]
    assert result.column("values").to_pylist() == [[7], [8, 9]]
    assert result.column("at").to_pylist()[0] == dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    assert client.query_df(f"SELECT id FROM {database}.charges ORDER BY id")["id"].tolist() == [10, 11]


def test_command_settings_and_bound_parameters(client, database):
    client.insert("charges", ROWS, column_names=COLUMNS, database=database)
    assert client.command(f"SELECT count() FROM {database}.charges") == 2
    result = client.query(
        f"SELECT tag FROM {database}.charges WHERE id = {{id:UInt64}}",
        parameters={"id": 2},
        settings={"max_threads": 1},
    )
    assert result.result_rows == [("DC",)]


def test_large_results_stream_block_by_block(client):
    started = time.perf_counter()
    with client.query_row_block_stream("SELECT number FROM numbers(300000)") as stream:
        total = sum(len(block) for block in stream)
    assert total == 300_000
    assert time.perf_counter() - started < 5


def test_errors_carry_clickhouse_code_and_message(warehouse_url):
    client = client_for(warehouse_url)
    with pytest.raises(DatabaseError) as syntax:
        client.query("SELEC 1")
    assert syntax.value.code == 62
    assert "SYNTAX_ERROR" in str(syntax.value)
    with pytest.raises(DatabaseError) as unknown:
        client.command("SELECT * FROM no_such_database.no_such_table")
    assert unknown.value.code in (60, 81)
    assert "no_such" in str(unknown.value)


def test_error_reply_looks_like_clickhouse(warehouse_url):
    reply = curl(warehouse_url, "SELECT nope()", "-i")
    head, _, body = reply.stdout.decode().partition("\r\n\r\n")
    assert " 500 " in head.splitlines()[0]
    assert "X-ClickHouse-Exception-Code: 46" in head
    assert body.startswith("Code: 46. DB::Exception:")
    assert "(version " in body


def test_insert_of_100k_arrow_rows_is_fast(warehouse_url, database):
    client = client_for(warehouse_url, compress=False)
    n = 100_000
    table = pa.table(
        {
            "id": pa.array(range(n), pa.uint64()),
            "price": pa.array([Decimal("1.5")] * n, pa.decimal128(18, 6)),
            "at": pa.array([dt.datetime(2026, 1, 1, tzinfo=dt.UTC)] * n, pa.timestamp("ms", tz="UTC")),
            "tag": pa.array(["AC"] * n),
            "note": pa.array([None] * n, pa.string()),
            "values": pa.array([[1]] * n, pa.list_(pa.int32())),
        }
    )
    started = time.perf_counter()
    client.insert_arrow(f"{database}.charges", table)
    assert time.perf_counter() - started < 1.0
    assert client.command(f"SELECT count() FROM {database}.charges") == n


def test_curl_formats_and_ping(warehouse_url):
    assert subprocess.run(["curl", "-sS", f"{warehouse_url}/ping"], capture_output=True).stdout == b"Ok.\n"
    sql = "SELECT number AS n, toString(number) AS s FROM numbers(2)"
    assert curl(warehouse_url, sql).stdout == b"0\t0\n1\t1\n"
    assert curl(warehouse_url, f"{sql} FORMAT CSV").stdout == b'0,"0"\n1,"1"\n'
    assert curl(warehouse_url, f"{sql} FORMAT JSONEachRow").stdout == b'{"n":0,"s":"0"}\n{"n":1,"s":"1"}\n'
    pretty = curl(warehouse_url, f"{sql} FORMAT Pretty").stdout.decode()
    assert "n" in pretty.splitlines()[1] and "s" in pretty.splitlines()[1]
    assert len(pretty.splitlines()) >= 5
    compressed = curl(warehouse_url, f"{sql} FORMAT CSV", "--compressed", "-H", "Accept-Encoding: gzip")
    assert compressed.stdout == b'0,"0"\n1,"1"\n'


def test_get_is_read_only(warehouse_url):
    reply = curl(warehouse_url, "CREATE DATABASE refused_by_get", "-i")
    assert b"X-ClickHouse-Exception-Code: 164" in reply.stdout
    assert client_for(warehouse_url).command("EXISTS DATABASE refused_by_get") == 0


def test_post_body_insert_with_inline_data(warehouse_url, database):
    data = b"INSERT INTO charges (id, price, at, tag, values) FORMAT CSV\n5,1.25,2026-01-01 00:00:00,AC,[]\n"
    url = f"{warehouse_url}/?database={database}"
    subprocess.run(["curl", "-sS", "--fail", "--data-binary", "@-", url], input=data, check=True, capture_output=True)
    assert curl(warehouse_url, f"SELECT id, price FROM {database}.charges FORMAT CSV").stdout == b"5,1.25\n"


def test_second_server_on_same_data_dir_fails_clearly(tmp_path: Path):
    data_dir = tmp_path / "data"
    with running_warehouse(data_dir, tmp_path / "first.log") as first:
        second = subprocess.run(warehouse_argv(data_dir, free_port()), capture_output=True, timeout=60, cwd=Path.cwd())
        assert second.returncode == 2
        assert b"in use by another process" in second.stderr
        assert b"Traceback" not in second.stderr
        taken = subprocess.run(warehouse_argv(tmp_path / "other", first.port), capture_output=True, timeout=60)
        assert taken.returncode == 2
        assert b"already in use" in taken.stderr or b"cannot listen" in taken.stderr
        assert b"Traceback" not in taken.stderr
    # SIGTERM released the lock: the directory opens again, with its data.
    with running_warehouse(data_dir, tmp_path / "again.log") as again:
        assert client_for(again.url).command("SELECT 1") == 1
    assert b"data directory released" in (tmp_path / "first.log").read_bytes()


def test_module_entry_point_shows_usage():
    usage = subprocess.run([sys.executable, "-m", "infra.warehouse", "--help"], capture_output=True, timeout=60)
    assert usage.returncode == 0
    assert b"--data-dir" in usage.stdout
