from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipelines.warehouse.migrate import Migration, MigrationError, changed_migrations, load_migrations


def test_statements_split_on_semicolon_lines_and_fill_database():
    migration = Migration(
        "0001_x.sql", "-- header\nCREATE TABLE {database}.a (x UInt8);\n\nSELECT ';'\nFROM t;  -- end\n"
    )
    assert migration.statements("db") == ["-- header\nCREATE TABLE db.a (x UInt8)", "SELECT ';'\nFROM t"]


def test_comment_only_parts_are_not_statements():
    assert Migration("0001_x.sql", "-- nothing here;\n").statements("db") == []


@given(st.lists(st.from_regex(r"SELECT [0-9]{1,5}", fullmatch=True), min_size=1, max_size=6))
def test_every_statement_survives_the_split(statements):
    text = "".join(f"{statement};\n" for statement in statements)
    assert Migration("0001_x.sql", text).statements("db") == statements


def test_checksum_follows_content():
    assert Migration("a", "x").checksum == Migration("b", "x").checksum != Migration("a", "y").checksum


def test_files_load_in_numeric_order(tmp_path: Path):
    for name in ("0010_late.sql", "0002_early.sql", "README.md"):
        (tmp_path / name).write_text("SELECT 1;\n")
    assert [m.name for m in load_migrations(tmp_path)] == ["0002_early.sql", "0010_late.sql"]


def test_all_bad_names_and_duplicates_reported_at_once(tmp_path: Path):
    for name in ("0001_a.sql", "0001_b.sql", "init.sql", "2_short.sql"):
        (tmp_path / name).write_text("SELECT 1;\n")
    with pytest.raises(MigrationError) as error:
        load_migrations(tmp_path)
    message = str(error.value)
    assert "init.sql" in message and "2_short.sql" in message and "0001_b.sql: number 1 already used" in message


def test_missing_directory_is_a_clear_error(tmp_path: Path):
    with pytest.raises(MigrationError, match="does not exist"):
        load_migrations(tmp_path / "nope")


def test_changed_lists_only_edited_applied_files():
    current = [Migration("0001_a.sql", "new"), Migration("0002_b.sql", "same")]
    applied = {"0001_a.sql": Migration("0001_a.sql", "old").checksum, "0002_b.sql": Migration("x", "same").checksum}
    assert [line.split(":")[0] for line in changed_migrations(current, applied)] == ["0001_a.sql"]
