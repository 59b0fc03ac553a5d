"""Every SQL example of docs/warehouse.md runs on a sample warehouse and returns rows."""

from __future__ import annotations

import re

import pytest
from clickhouse_connect.driver.client import Client

from tests.integration.pipeline_harness import REPO
from tests.integration.reporting_data import build_reporting_warehouse

pytestmark = pytest.mark.integration

DOC = REPO / "docs" / "warehouse.md"
QUERIES = re.findall(r"^```sql\n(.*?)^```", DOC.read_text(encoding="utf-8"), re.S | re.M)


@pytest.fixture(scope="module")
def client(warehouse_url: str) -> Client:
    return build_reporting_warehouse(warehouse_url)[1]


def test_the_doc_has_its_examples() -> None:
    assert len(QUERIES) >= 8


@pytest.mark.parametrize("sql", QUERIES, ids=[f"query{n}" for n in range(1, len(QUERIES) + 1)])
def test_example_query_runs_and_finds_rows(client: Client, sql: str) -> None:
    result = client.query(sql)
    assert result.result_rows, f"no rows from:\n{sql}"
