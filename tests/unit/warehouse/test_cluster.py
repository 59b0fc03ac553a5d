"""Cluster DDL: every migration renders for a cluster, and ClickHouse's own parser (chDB) accepts the result."""

from collections.abc import Iterator
from pathlib import Path

import chdb
import pytest

from pipelines.warehouse.cluster import (
    ClusterRenderer,
    ClusterRenderError,
    render_ledger,
    render_migrations,
    sharding_key,
    split_commands,
)
from pipelines.warehouse.migrate import Migration, ledger_ddl, load_migrations

MIGRATIONS = Path(__file__).resolve().parents[3] / "schemas" / "clickhouse"


@pytest.fixture(scope="module")
def session() -> Iterator[chdb.session.Session]:
    with chdb.session.Session() as s:
        yield s


def formatter(session: chdb.session.Session):
    def formatted(statement: str) -> str:
        quoted = statement.replace("\\", "\\\\").replace("'", "\\'")
        return session.query(f"SELECT formatQuerySingleLine('{quoted}')", "TabSeparatedRaw").data().strip()

    return formatted


def test_every_migration_parses_single_node_and_clustered(session: chdb.session.Session) -> None:
    formatted = formatter(session)
    migrations = load_migrations(MIGRATIONS)
    single = [statement for m in migrations for statement in m.statements("chargeledger")]
    for statement in single:
        formatted(statement)  # raises on a syntax error
    rendered = render_migrations(migrations, "chargeledger", "main", formatted)
    assert list(rendered) == [m.name for m in migrations]
    clustered = [statement for statements in rendered.values() for statement in statements]
    assert len(clustered) > len(single)
    for statement in clustered + render_ledger(ledger_ddl("chargeledger"), "chargeledger", "main", formatted):
        assert " ON CLUSTER main" in statement or statement.startswith("INSERT")
        assert formatted(statement)  # the engine parses what we render


def test_fact_tables_become_replicated_locals_under_distributed_tables(session: chdb.session.Session) -> None:
    rendered = render_migrations(load_migrations(MIGRATIONS), "db", "main", formatter(session))["0001_facts.sql"]
    local, distributed = rendered[2], rendered[3]
    assert local.startswith("CREATE TABLE IF NOT EXISTS db.rated_sessions_local ON CLUSTER main (`session_id` String")
    assert (
        "ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/db/rated_sessions_local', '{replica}', "
        "revision) ORDER BY (tenant_id, session_id)" in local
    )
    assert distributed == (
        "CREATE TABLE IF NOT EXISTS db.rated_sessions ON CLUSTER main AS db.rated_sessions_local "
        "ENGINE = Distributed(main, db, rated_sessions_local, cityHash64(session_id))"
    )
    assert rendered[1].endswith("Distributed(main, db, charging_events_local, cityHash64(charge_point_id))")


def test_views_join_shard_locally_and_alters_reach_both_tables(session: chdb.session.Session) -> None:
    rendered = render_migrations(load_migrations(MIGRATIONS), "db", "main", formatter(session))
    views = rendered["0002_current_views.sql"]
    assert (
        views[0]
        == "CREATE VIEW IF NOT EXISTS db.sessions_current ON CLUSTER main AS SELECT * FROM db.rated_sessions FINAL"
    )
    assert views[1].endswith("SETTINGS distributed_product_mode = 'local'")
    alters = rendered["0003_event_transaction_details.sql"]
    assert [a.split(" (ADD")[0] for a in alters] == [
        "ALTER TABLE db.charging_events_local ON CLUSTER main",
        "ALTER TABLE db.charging_events ON CLUSTER main",
    ]


def test_ledger_is_replicated_to_every_node_without_shards(session: chdb.session.Session) -> None:
    database, table = render_ledger(ledger_ddl("db"), "db", "main", formatter(session))
    assert database == "CREATE DATABASE IF NOT EXISTS db ON CLUSTER main"
    assert "ReplicatedReplacingMergeTree('/clickhouse/tables/db/schema_migrations', '{replica}', applied_at)" in table
    assert "Distributed" not in table


def _renderer_with_tables(session: chdb.session.Session) -> tuple[ClusterRenderer, object]:
    formatted = formatter(session)
    renderer = ClusterRenderer("c", "db")
    for statement in (
        "CREATE TABLE db.src (session_id String, v UInt64) ENGINE = MergeTree ORDER BY session_id",
        "CREATE TABLE db.daily (day Date, site_id String, v UInt64) ENGINE = SummingMergeTree ORDER BY (day, site_id)",
    ):
        renderer.render(formatted(statement))
    return renderer, formatted


def test_materialized_views_read_and_write_local_tables(session: chdb.session.Session) -> None:
    renderer, formatted = _renderer_with_tables(session)
    to_view = renderer.render(
        formatted(
            "CREATE MATERIALIZED VIEW db.mv TO db.daily AS SELECT toDate(now()) AS day, session_id AS site_id, v "
            "FROM db.src"
        )
    )
    assert to_view == [
        "CREATE MATERIALIZED VIEW db.mv ON CLUSTER c TO db.daily_local AS SELECT toDate(now()) AS day, "
        "session_id AS site_id, v FROM db.src_local"
    ]
    inner = renderer.render(
        formatted(
            "CREATE MATERIALIZED VIEW db.agg ENGINE = SummingMergeTree ORDER BY session_id "
            "AS SELECT session_id, v FROM db.src"
        )
    )
    assert inner[0].startswith(
        "CREATE MATERIALIZED VIEW db.agg_local ON CLUSTER c ENGINE = ReplicatedSummingMergeTree("
    )
    assert inner[1] == (
        "CREATE TABLE IF NOT EXISTS db.agg ON CLUSTER c AS db.agg_local "
        "ENGINE = Distributed(c, db, agg_local, cityHash64(session_id))"
    )
    for statement in to_view + inner:
        formatted(statement)


def test_row_policies_users_grants_and_drops(session: chdb.session.Session) -> None:
    renderer, formatted = _renderer_with_tables(session)
    policy = renderer.render(
        formatted("CREATE ROW POLICY IF NOT EXISTS t_a ON db.src FOR SELECT USING session_id = 'a' TO analyst_a")
    )
    assert policy == [
        "CREATE ROW POLICY IF NOT EXISTS t_a ON CLUSTER c ON db.src FOR SELECT USING session_id = 'a' TO analyst_a",
        "CREATE ROW POLICY IF NOT EXISTS t_a ON CLUSTER c ON db.src_local "
        "FOR SELECT USING session_id = 'a' TO analyst_a",
    ]
    assert renderer.render(formatted("CREATE USER IF NOT EXISTS analyst_a IDENTIFIED WITH sha256_password BY 'x'"))[
        0
    ].startswith("CREATE USER IF NOT EXISTS analyst_a ON CLUSTER c IDENTIFIED")
    assert renderer.render(formatted("GRANT SELECT ON db.* TO analyst_a")) == [
        "GRANT ON CLUSTER c SELECT ON db.* TO analyst_a"
    ]
    assert renderer.render(formatted("DROP TABLE IF EXISTS db.src")) == [
        "DROP TABLE IF EXISTS db.src ON CLUSTER c",
        "DROP TABLE IF EXISTS db.src_local ON CLUSTER c",
    ]
    mutation = renderer.render(formatted("ALTER TABLE db.daily DELETE WHERE v = 0"))
    assert mutation == ["ALTER TABLE db.daily_local ON CLUSTER c (DELETE WHERE v = 0)"]
    for statement in policy + mutation:
        formatted(statement)


def test_unknown_statements_are_refused_by_name(session: chdb.session.Session) -> None:
    formatted = formatter(session)
    with pytest.raises(ClusterRenderError, match=r"0099_x.sql, statement 1: no cluster rendering for: RENAME TABLE"):
        render_migrations(
            [Migration("0099_x.sql", "RENAME TABLE {database}.a TO {database}.b;\n")], "db", "c", formatted
        )


def test_sharding_key_keeps_what_replaces_each_other_together() -> None:
    assert sharding_key(" ENGINE = MergeTree ORDER BY (tenant_id, session_id, revision)") == "cityHash64(session_id)"
    assert sharding_key(" ORDER BY (tenant_id, notification_id, attempt)") == "cityHash64(notification_id)"
    assert sharding_key(" ORDER BY (tenant_id, series, seq)") == "cityHash64(seq)"
    assert sharding_key(" ORDER BY (toStartOfHour(at), `site`)") == "cityHash64(site)"
    assert sharding_key(" ENGINE = MergeTree") == "rand()"
    assert split_commands("(ADD COLUMN a String DEFAULT ','), (DROP COLUMN b)") == [
        "(ADD COLUMN a String DEFAULT ',')",
        "(DROP COLUMN b)",
    ]
