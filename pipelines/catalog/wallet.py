"""Catalog settings for money an account holds or owes: its prepaid wallet and stored payment method, and the
tenant's refund policy. Optional fields of Account and Tenant, so catalogs without them stay valid."""

from __future__ import annotations

from decimal import Decimal
from typing import Self

from pydantic import Field, field_validator, model_validator

from pipelines.catalog.strict import Strict
from pipelines.payments.cards import card_numbers_in

# OCPP 1.6 StopTransaction reasons and 2.0.1 stoppedReason values that mean the station failed, not the driver.
STATION_FAULT_REASONS = (
    "EmergencyStop", "HardReset", "SoftReset", "PowerLoss", "Reboot", "ImmediateReset", "GroundFault",
    "OvercurrentFault", "PowerQuality",
)  # fmt: skip


class AutoTopUp(Strict):
    """Charge the stored payment method `amount` when the balance falls below `below`."""

    below: Decimal = Field(ge=0)
    amount: Decimal = Field(gt=0)


class WalletSettings(Strict):
    """An account's wallet and payment method; payment_token is the gateway's token, never a card number."""

    low_balance_threshold: Decimal = Field(default=Decimal(5), ge=0)
    payment_token: str | None = Field(default=None, min_length=1, max_length=200)
    auto_topup: AutoTopUp | None = None

    @field_validator("payment_token")
    @classmethod
    def _a_token_not_a_card(cls, value: str | None) -> str | None:
        if value is not None and card_numbers_in(value):
            raise ValueError("payment_token looks like a card number; store the payment gateway's token instead")
        return value

    @model_validator(mode="after")
    def _topup_needs_token(self) -> Self:
        if self.auto_topup is not None and self.payment_token is None:
            raise ValueError("auto_topup needs a payment_token to charge")
        return self


class RefundPolicy(Strict):
    """Which refunds are approved without a person: `auto_approve_reasons` for sessions a station fault ended,
    up to `auto_approve_max` (incl. VAT, tenant currency); every other refund waits in the manual queue."""

    auto_approve_max: Decimal = Field(default=Decimal(0), ge=0)  # 0: every refund is reviewed by a person
    auto_approve_reasons: list[str] = Field(default_factory=lambda: ["interrupted"])
    fault_stop_reasons: list[str] = Field(default_factory=lambda: list(STATION_FAULT_REASONS))
