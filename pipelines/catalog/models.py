"""Catalog entities as operators write them; validated with every problem reported at once."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Tenant(Strict):
    tenant_id: str = Field(min_length=1)
    name: str
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    country: str = Field(pattern=r"^[A-Z]{2}$")


class Site(Strict):
    site_id: str = Field(min_length=1)
    tenant_id: str
    name: str
    time_zone: str
    latitude: float | None = None  # coordinates are not money
    longitude: float | None = None
    default_tariff_id: str

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown IANA time zone {value!r}") from exc
        return value


class PowerType(StrEnum):
    AC = "AC"
    DC = "DC"


class Connector(Strict):
    connector_id: int = Field(ge=1)
    power_type: PowerType
    max_power_kw: float = Field(gt=0)  # a rating, not a billed quantity


class Charger(Strict):
    charge_point_id: str = Field(min_length=1)
    tenant_id: str
    site_id: str
    connectors: list[Connector] = Field(min_length=1)


class TokenStatus(StrEnum):
    VALID = "valid"
    BLOCKED = "blocked"
    EXPIRED = "expired"


class Token(Strict):
    uid: str = Field(min_length=1, max_length=36)  # OCPP idTag / idToken
    tenant_id: str
    account_id: str
    kind: str = "rfid"  # rfid | app
    status: TokenStatus = TokenStatus.VALID
    expires_at: datetime | None = None


class BillingMode(StrEnum):
    PREPAID = "prepaid"
    POSTPAID = "postpaid"
    ADHOC = "adhoc"


class Channel(StrEnum):
    EMAIL = "email"
    SMS = "sms"
    PUSH = "push"
    WEBHOOK = "webhook"


class Account(Strict):
    account_id: str = Field(min_length=1)
    tenant_id: str
    name: str
    customer_group: str = "public"
    language: str = "en"
    billing_mode: BillingMode = BillingMode.POSTPAID
    email: str | None = None
    phone: str | None = None
    push_token: str | None = None
    webhook_url: str | None = None
    channels: list[Channel] = Field(default_factory=lambda: [Channel.EMAIL])


class TariffAssignment(Strict):
    """Which tariff a session gets; the most specific matching rule wins, then the site default."""

    tenant_id: str
    tariff_id: str
    customer_group: str | None = None
    site_id: str | None = None
    power_type: PowerType | None = None


class Catalog(Strict):
    tenants: list[Tenant] = Field(default_factory=list)
    sites: list[Site] = Field(default_factory=list)
    chargers: list[Charger] = Field(default_factory=list)
    tokens: list[Token] = Field(default_factory=list)
    accounts: list[Account] = Field(default_factory=list)
    tariffs: list[dict[str, Any]] = Field(default_factory=list)  # OCPI 2.2.1 Tariff objects + tenant_id
    tariff_assignments: list[TariffAssignment] = Field(default_factory=list)
