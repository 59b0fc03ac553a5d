"""Per-tenant thresholds of the fraud and anomaly rules (pipelines/flags/), and the token blocklist entries.

Every threshold has a default that keeps normal traffic quiet (bench/flags.py measures it on a simulated week),
so a tenant without a `flag_policy` gets sensible flags; an operator tightens or loosens them per tenant.
"""

from __future__ import annotations

from decimal import Decimal

from pydantic import AwareDatetime, Field

from pipelines.catalog.strict import Strict


class FlagPolicy(Strict):
    """Thresholds of the flag rules; `block_flagged_tokens` lets a token-misuse flag blocklist the token."""

    block_flagged_tokens: bool = False  # the operator's choice: concurrent use / impossible travel blocklist the token
    # token misuse: travel between two sites faster than this is impossible; nearer sites are never compared
    max_travel_speed_kmh: float = Field(default=250, gt=0)
    min_travel_distance_km: float = Field(default=5, ge=0)
    min_overlap_minutes: Decimal = Field(default=Decimal(2), ge=0)  # two stations at once for longer than this
    # metering
    meter_gap_wh: Decimal = Field(default=Decimal(100), ge=0)  # meterStart vs the connector's previous meterStop
    energy_tolerance_percent: Decimal = Field(default=Decimal(10), ge=0)  # above max power x duration
    power_tolerance_percent: Decimal = Field(default=Decimal(10), ge=0)  # a reading above the connector rating
    # sessions
    long_session_hours: Decimal = Field(default=Decimal(24), gt=0)
    short_session_minutes: Decimal = Field(default=Decimal(5), gt=0)
    rapid_session_count: int = Field(default=4, ge=2)  # this many short sessions of one token ...
    rapid_window_minutes: Decimal = Field(default=Decimal(60), gt=0)  # ... within this window
    # revenue: robust z-score |x - median| / (1.4826 MAD) per site and tariff over the last `revenue_window` sessions
    revenue_window: int = Field(default=200, ge=10)
    revenue_min_samples: int = Field(default=30, ge=5)
    revenue_max_robust_z: Decimal = Field(default=Decimal(8), gt=0)
    # stations
    heartbeat_interval_s: int = Field(default=600, ge=1)  # the interval stations are given
    heartbeat_grace_factor: Decimal = Field(default=Decimal(3), ge=1)  # silent after this many intervals
    faulted_stuck_minutes: Decimal = Field(default=Decimal(120), gt=0)
    fault_rate_window_minutes: Decimal = Field(default=Decimal(60), gt=0)
    fault_rate_max: int = Field(default=3, ge=1)  # more Faulted statuses of one station within the window: a spike


DEFAULT_FLAG_POLICY = FlagPolicy()


class BlockedToken(Strict):
    """A token the gateway answers Blocked for; written by the flags agent or by an operator (catalog.blocklist)."""

    uid: str = Field(min_length=1, max_length=36)
    tenant_id: str
    reason: str = ""
    flag_id: str | None = None  # the misuse flag that blocked it
    blocked_at: AwareDatetime | None = None
