"""What the gateway answers, per OCPP version: boot, authorization from the token catalog, and the fixed replies.

Unknown stations (not in the charger catalog, or an id two tenants share) get BootNotification `Rejected` with
a retry interval, and a SecurityError CALLERROR for anything else: Pending would promise that the central
system configures the station before accepting it, which this gateway never does. Once an operator adds
the charger to the catalog, its next boot (at most BOOT_RETRY_S later) is accepted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from ocpp.v16.enums import Action as Action16
from ocpp.v201.enums import Action as Action201

from pipelines.catalog.models import Token, TokenStatus
from pipelines.gateway.envelope import utc_text
from pipelines.gateway.frames import OCPP16, OCPP201

BOOT_RETRY_S = 60
NO_AUTHORIZATION = "NoAuthorization"  # OCPP 2.0.1 IdTokenEnumType of stations that charge without a token

# Station-initiated actions answered with an empty payload: the pipeline reads them from Kafka, the station
# only needs to know they arrived.
ACKNOWLEDGED: dict[str, frozenset[str]] = {
    OCPP16: frozenset(
        {"MeterValues", "StatusNotification", "FirmwareStatusNotification", "DiagnosticsStatusNotification"}
        | {"LogStatusNotification", "SecurityEventNotification", "SignedFirmwareStatusNotification"}
    ),
    OCPP201: frozenset(
        {"MeterValues", "StatusNotification", "FirmwareStatusNotification", "LogStatusNotification"}
        | {"ClearedChargingLimit", "NotifyChargingLimit", "NotifyCustomerInformation", "NotifyDisplayMessages"}
        | {"NotifyEvent", "NotifyMonitoringReport", "NotifyReport", "PublishFirmwareStatusNotification"}
        | {"ReportChargingProfiles", "ReservationStatusUpdate", "SecurityEventNotification"}
    ),
}
# Station-initiated actions with one fixed answer: no vendor extensions, no certificate authority, no
# ISO 15118 certificate service, no smart-charging schedules from this central system.
FIXED_REPLIES: dict[str, dict[str, dict]] = {
    OCPP16: {"DataTransfer": {"status": "UnknownVendorId"}, "SignCertificate": {"status": "Rejected"}},
    OCPP201: {
        "DataTransfer": {"status": "UnknownVendorId"},
        "SignCertificate": {"status": "Rejected"},
        "Get15118EVCertificate": {"status": "Failed", "exiResponse": ""},
        "GetCertificateStatus": {"status": "Failed"},
        "NotifyEVChargingNeeds": {"status": "Rejected"},
        "NotifyEVChargingSchedule": {"status": "Accepted"},
    },
}
# Answered by the station classes' handlers, which read the catalog, the clock or the transaction ids.
HANDLED: dict[str, frozenset[str]] = {
    OCPP16: frozenset({"BootNotification", "Heartbeat", "Authorize", "StartTransaction", "StopTransaction"}),
    OCPP201: frozenset({"BootNotification", "Heartbeat", "Authorize", "TransactionEvent"}),
}
STATION_ACTIONS = {
    version: ACKNOWLEDGED[version] | frozenset(FIXED_REPLIES[version]) | HANDLED[version] for version in HANDLED
}
KNOWN_ACTIONS = {OCPP16: frozenset(a.value for a in Action16), OCPP201: frozenset(a.value for a in Action201)}


@dataclass(frozen=True, slots=True)
class BootDecision:
    status: str
    interval: int


def boot_decision(known_station: bool, heartbeat_s: int) -> BootDecision:
    """Accepted with the heartbeat interval, or Rejected with the time after which the station boots again."""
    return BootDecision("Accepted", heartbeat_s) if known_station else BootDecision("Rejected", BOOT_RETRY_S)


class Verdict(StrEnum):
    ACCEPTED = "Accepted"
    BLOCKED = "Blocked"
    EXPIRED = "Expired"
    UNKNOWN = "Unknown"


def authorize(
    token: Token | None, now: datetime, id_token_type: str | None = None, *, blocklisted: bool = False
) -> Verdict:
    """A token's standing at `now`: its catalog status, and expired once its expires_at has passed; a token on
    the tenant's blocklist (an operator's entry, or a misuse flag's where the policy says so) is Blocked.

    An OCPP 2.0.1 idToken of type NoAuthorization says the station was set up to charge without one (free
    vending, the operator's choice); refusing it would stop such sessions, so it is accepted.
    """
    if id_token_type == NO_AUTHORIZATION:
        return Verdict.ACCEPTED
    if blocklisted:
        return Verdict.BLOCKED
    if token is None:
        return Verdict.UNKNOWN
    if token.status is TokenStatus.BLOCKED:
        return Verdict.BLOCKED
    if token.status is TokenStatus.EXPIRED or (token.expires_at is not None and _utc(token.expires_at) <= now):
        return Verdict.EXPIRED
    return Verdict.ACCEPTED


def id_tag_info(verdict: Verdict, token: Token | None) -> dict:
    """OCPP 1.6 IdTagInfo; 1.6 calls an unknown idTag Invalid."""
    info: dict = {"status": "Invalid" if verdict is Verdict.UNKNOWN else verdict.value}
    if verdict is Verdict.ACCEPTED and token is not None and token.expires_at is not None:
        info["expiryDate"] = utc_text(_utc(token.expires_at))
    return info


def id_token_info(verdict: Verdict, token: Token | None) -> dict:
    """OCPP 2.0.1 IdTokenInfoType; a station may cache an accepted token until it expires."""
    info: dict = {"status": verdict.value}
    if verdict is Verdict.ACCEPTED and token is not None and token.expires_at is not None:
        info["cacheExpiryDateTime"] = utc_text(_utc(token.expires_at))
    return info


def _utc(moment: datetime) -> datetime:
    """Catalog times without an offset are UTC, like every time in the pipeline."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
