"""GatewayCatalog: chargers found by id alone (refused when two tenants share it), tokens by any case."""

from pipelines.gateway.catalog import GatewayCatalog
from tests.unit.gateway.fixtures import gateway_catalog


def test_charger_by_id_alone_and_ambiguous_ids_refused():
    view = gateway_catalog()
    assert view.charger_by_id("CP-1").tenant_id == "t1"
    assert view.charger_by_id("CP-2").tenant_id == "t2"
    assert view.charger_by_id("SHARED") is None
    assert view.charger_by_id("NOPE") is None


def test_index_follows_tombstones_and_updates():
    view = gateway_catalog()
    assert view.apply("chargers", b"t2/SHARED", None)
    assert view.charger_by_id("SHARED").tenant_id == "t1"
    assert view.apply("chargers", b"t1/SHARED", None)
    assert view.charger_by_id("SHARED") is None
    assert view.apply("chargers", b"t1/CP-1", None)
    assert view.charger_by_id("CP-1") is None


def test_tokens_exact_first_then_case_insensitive_within_the_tenant():
    view = gateway_catalog()
    assert view.token_by_uid("t1", "Card-Mixed").uid == "Card-Mixed"
    assert view.token_by_uid("t1", "CARD-MIXED").uid == "Card-Mixed"
    assert view.token_by_uid("t1", "ok").uid == "OK"
    assert view.token_by_uid("t2", "ok") is None
    assert view.apply("tokens", b"t1/Card-Mixed", None)
    assert view.token_by_uid("t1", "card-mixed") is None


def test_rejected_records_leave_the_index_alone():
    view = GatewayCatalog()
    assert not view.apply("chargers", b"t1/CP-9", b"not json")
    assert not view.apply("chargers", b"no-slash", None)
    assert view.charger_by_id("CP-9") is None
    assert view.rejected
