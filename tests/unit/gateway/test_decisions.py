"""Boot and authorization decisions, and that every station-initiated action of both versions has a valid answer."""

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipelines.catalog.models import Token, TokenStatus
from pipelines.gateway.decisions import (
    ACKNOWLEDGED,
    BOOT_RETRY_S,
    FIXED_REPLIES,
    HANDLED,
    KNOWN_ACTIONS,
    STATION_ACTIONS,
    BootDecision,
    Verdict,
    authorize,
    boot_decision,
    id_tag_info,
    id_token_info,
)
from pipelines.gateway.frames import OCPP16, OCPP201
from pipelines.ingest.schemas import BOTH_WAYS_ACTIONS, CHARGE_POINT_ACTIONS
from tests.unit.gateway.schemas_util import assert_valid_response

NOW = datetime(2026, 11, 23, 10, tzinfo=UTC)
CSMS_ACTIONS_201 = {
    "CancelReservation", "CertificateSigned", "ChangeAvailability", "ClearCache", "ClearChargingProfile",
    "ClearDisplayMessage", "ClearVariableMonitoring", "CostUpdated", "CustomerInformation", "DeleteCertificate",
    "GetBaseReport", "GetChargingProfiles", "GetCompositeSchedule", "GetDisplayMessages", "GetInstalledCertificateIds",
    "GetLocalListVersion", "GetLog", "GetMonitoringReport", "GetReport", "GetTransactionStatus", "GetVariables",
    "InstallCertificate", "PublishFirmware", "RequestStartTransaction", "RequestStopTransaction", "ReserveNow", "Reset",
    "SendLocalList", "SetChargingProfile", "SetDisplayMessage", "SetMonitoringBase", "SetMonitoringLevel",
    "SetNetworkProfile", "SetVariableMonitoring", "SetVariables", "TriggerMessage", "UnlockConnector",
    "UnpublishFirmware", "UpdateFirmware",
}  # fmt: skip


def token(status: TokenStatus = TokenStatus.VALID, expires_at: datetime | None = None) -> Token:
    return Token(uid="U", tenant_id="t", account_id="A", status=status, expires_at=expires_at)


def test_station_actions_are_every_action_a_station_sends():
    assert STATION_ACTIONS[OCPP16] == CHARGE_POINT_ACTIONS | BOTH_WAYS_ACTIONS  # the pipeline's own list
    assert STATION_ACTIONS[OCPP201] == KNOWN_ACTIONS[OCPP201] - CSMS_ACTIONS_201
    for protocol in (OCPP16, OCPP201):
        parts = [ACKNOWLEDGED[protocol], frozenset(FIXED_REPLIES[protocol]), HANDLED[protocol]]
        assert sum(map(len, parts)) == len(STATION_ACTIONS[protocol]), "an action is answered two ways"


@pytest.mark.parametrize("protocol", [OCPP16, OCPP201])
def test_acknowledgements_and_fixed_replies_satisfy_the_official_schemas(protocol):
    for action in ACKNOWLEDGED[protocol]:
        assert_valid_response(protocol, action, {})
    for action, reply in FIXED_REPLIES[protocol].items():
        assert_valid_response(protocol, action, reply)


def test_boot():
    assert boot_decision(True, 300) == BootDecision("Accepted", 300)
    assert boot_decision(False, 300) == BootDecision("Rejected", BOOT_RETRY_S)


def test_verdicts():
    assert authorize(None, NOW) is Verdict.UNKNOWN
    assert authorize(token(), NOW) is Verdict.ACCEPTED
    assert authorize(token(TokenStatus.BLOCKED), NOW) is Verdict.BLOCKED
    assert authorize(token(TokenStatus.EXPIRED), NOW) is Verdict.EXPIRED
    assert authorize(token(TokenStatus.BLOCKED, NOW - timedelta(days=1)), NOW) is Verdict.BLOCKED
    assert authorize(token(expires_at=NOW), NOW) is Verdict.EXPIRED
    assert authorize(token(expires_at=NOW + timedelta(seconds=1)), NOW) is Verdict.ACCEPTED
    assert authorize(token(expires_at=datetime(2026, 11, 23, 9, 59)), NOW) is Verdict.EXPIRED  # no offset: UTC
    assert authorize(None, NOW, "NoAuthorization") is Verdict.ACCEPTED  # a free-vend station's sessions
    assert authorize(None, NOW, "ISO14443") is Verdict.UNKNOWN


@given(st.sampled_from(list(TokenStatus)), st.none() | st.datetimes(timezones=st.just(UTC)), st.booleans())
def test_infos_satisfy_both_schemas(status, expires_at, known):
    t = token(status, expires_at) if known else None
    verdict = authorize(t, NOW)
    info16, info201 = id_tag_info(verdict, t), id_token_info(verdict, t)
    assert_valid_response(OCPP16, "Authorize", {"idTagInfo": info16})
    assert_valid_response(OCPP201, "Authorize", {"idTokenInfo": info201})
    assert info16["status"] == ("Invalid" if not known else verdict.value)
    assert info201["status"] == verdict.value
    assert ("expiryDate" in info16) == (verdict is Verdict.ACCEPTED and expires_at is not None)
