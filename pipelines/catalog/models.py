"""Catalog entities as operators write them; validated with every problem reported at once."""

from __future__ import annotations

from datetime import datetime, time
from decimal import Decimal
from enum import StrEnum
from typing import Any, Self
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AwareDatetime, Field, field_validator, model_validator

from pipelines.catalog.accounts_chart import ChartOfAccounts
from pipelines.catalog.branding import BillingAddress, Branding
from pipelines.catalog.flag_policy import BlockedToken, FlagPolicy
from pipelines.catalog.notification_policy import NotificationPolicy
from pipelines.catalog.strict import Strict
from pipelines.catalog.wallet import RefundPolicy, WalletSettings
from pipelines.rating.tariff import DayOfWeek, Dimension

# Sub-models in their own modules build on Strict, so they are imported once it exists.


class Tenant(Strict):
    tenant_id: str = Field(min_length=1)
    name: str
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    country: str = Field(pattern=r"^[A-Z]{2}$")
    idle_fee_id: str | None = None  # the tenant's idle fee where an assignment names none
    flag_policy: FlagPolicy | None = None  # thresholds of the flag rules; None: the defaults
    branding: Branding | None = None  # invoices and receipts in the tenant's name (issue 6)
    notification_policy: NotificationPolicy | None = None  # quiet hours, rate and cost limits; None: none
    refund_policy: RefundPolicy | None = None  # None: every refund waits for a person (issue 6)
    chart_of_accounts: ChartOfAccounts | None = None  # accounting exports; None: DEFAULT_CHART (SKR03)


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
    membership_level: str | None = None  # e.g. silver | gold, within or across customer groups
    language: str = "en"
    billing_mode: BillingMode = BillingMode.POSTPAID
    subscription_plan_id: str | None = None  # its monthly fee is billed by invoicing (issue 6), not by rating
    email: str | None = None
    phone: str | None = None
    push_token: str | None = None
    webhook_url: str | None = None
    channels: list[Channel] = Field(default_factory=lambda: [Channel.EMAIL])
    billing_address: BillingAddress | None = None  # on its invoices (issue 6)
    notification_policy: NotificationPolicy | None = None  # replaces the tenant's policy as a whole
    wallet: WalletSettings | None = None  # prepaid wallet, stored payment token, auto top-up (issue 6)


class Contract(StrEnum):
    ADHOC = "adhoc"  # no contract: a token the catalog does not know, or an account billed ad hoc
    CONTRACT = "contract"


class Validity(Strict):
    """A half-open period [valid_from, valid_to); an open end is unbounded."""

    valid_from: AwareDatetime | None = None
    valid_to: AwareDatetime | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.valid_from is not None and self.valid_to is not None and self.valid_from >= self.valid_to:
            raise ValueError("valid_to must be after valid_from")
        return self

    def valid_at(self, instant: datetime) -> bool:
        return (self.valid_from is None or self.valid_from <= instant) and (
            self.valid_to is None or instant < self.valid_to
        )


class TariffAssignment(Validity):
    """Which tariff a session gets; see pipelines/rating/assign.py for which matching rule wins."""

    tenant_id: str
    tariff_id: str
    membership_level: str | None = None
    customer_group: str | None = None
    contract: Contract | None = None
    charge_point_id: str | None = None
    site_id: str | None = None
    power_type: PowerType | None = None
    idle_fee_id: str | None = None  # overrides the tenant's idle fee for sessions this assignment prices


class IdleFee(Strict):
    """Blocking fee for staying plugged in after charging ended: per started step after a grace period, capped."""

    idle_fee_id: str = Field(min_length=1)
    tenant_id: str
    name: str
    grace_minutes: int = Field(ge=0)
    price_per_minute: Decimal = Field(gt=0)  # excl. VAT
    vat: Decimal | None = Field(default=None, ge=0, le=100)  # percent
    step_minutes: int = Field(default=1, ge=1)  # billed per started step
    max_amount: Decimal | None = Field(default=None, gt=0)  # excl. VAT, per session


class DiscountKind(StrEnum):
    OFF_PEAK = "off_peak"
    LOYALTY = "loyalty"


class TimeWindow(Strict):
    """A local time-of-day window, crossing midnight when end_time <= start_time; days are the start's weekday."""

    start_time: time
    end_time: time
    days: list[DayOfWeek] = Field(default_factory=list)  # empty: every day


class Discount(Validity):
    """A percentage off the session's tariff amounts of some dimensions, for sessions the rule selects."""

    rule_id: str = Field(min_length=1)
    tenant_id: str
    kind: DiscountKind
    name: str  # shown on the line item
    percentage: Decimal = Field(gt=0, le=100)
    dimensions: list[Dimension] = Field(default_factory=lambda: [Dimension.ENERGY], min_length=1)
    customer_groups: list[str] = Field(default_factory=list)  # empty: everyone
    membership_levels: list[str] = Field(default_factory=list)
    site_ids: list[str] = Field(default_factory=list)
    contract: Contract | None = None
    windows: list[TimeWindow] = Field(default_factory=list)  # off_peak: when, in the site's time zone
    after_sessions: int | None = Field(default=None, ge=1)  # loyalty: sessions started earlier in the month
    after_kwh: Decimal | None = Field(default=None, gt=0)  # loyalty: kWh of sessions started earlier in the month

    @model_validator(mode="after")
    def _fits_kind(self) -> Self:
        problems = []
        if self.kind is DiscountKind.OFF_PEAK:
            if not self.windows:
                problems.append("an off_peak discount needs windows")
            if self.after_sessions is not None or self.after_kwh is not None:
                problems.append("after_sessions/after_kwh belong to loyalty discounts")
        else:
            if (self.after_sessions is None) == (self.after_kwh is None):
                problems.append("a loyalty discount needs exactly one of after_sessions and after_kwh")
            if self.windows:
                problems.append("windows belong to off_peak discounts")
        if problems:
            raise ValueError("; ".join(problems))
        return self


class Voucher(Validity):
    """Money off for one account or one token, until its budget (incl. VAT, tenant currency) is used up."""

    code: str = Field(min_length=1)
    tenant_id: str
    name: str
    budget: Decimal = Field(gt=0)
    account_id: str | None = None
    token_uid: str | None = None

    @model_validator(mode="after")
    def _one_holder(self) -> Self:
        if (self.account_id is None) == (self.token_uid is None):
            raise ValueError("a voucher belongs to exactly one of account_id and token_uid")
        return self


class SubscriptionPlan(Strict):
    """A monthly plan: its included energy is deducted by rating; its fee is billed by invoicing (issue 6)."""

    plan_id: str = Field(min_length=1)
    tenant_id: str
    name: str
    monthly_fee: Decimal = Field(ge=0)  # excl. VAT
    vat: Decimal | None = Field(default=None, ge=0, le=100)
    included_kwh: Decimal = Field(ge=0)  # per calendar month in the site's time zone


class Catalog(Strict):
    tenants: list[Tenant] = Field(default_factory=list)
    sites: list[Site] = Field(default_factory=list)
    chargers: list[Charger] = Field(default_factory=list)
    tokens: list[Token] = Field(default_factory=list)
    accounts: list[Account] = Field(default_factory=list)
    tariffs: list[dict[str, Any]] = Field(default_factory=list)  # OCPI 2.2.1 Tariff objects + tenant_id
    tariff_assignments: list[TariffAssignment] = Field(default_factory=list)
    idle_fees: list[IdleFee] = Field(default_factory=list)
    discounts: list[Discount] = Field(default_factory=list)
    vouchers: list[Voucher] = Field(default_factory=list)
    subscription_plans: list[SubscriptionPlan] = Field(default_factory=list)
    blocklist: list[BlockedToken] = Field(default_factory=list)  # tokens the gateway answers Blocked for
