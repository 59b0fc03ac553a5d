"""Sender settings from the environment (prefix CHARGELEDGER_SEND_); secrets are SecretStr, never logged."""

from __future__ import annotations

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class SenderSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CHARGELEDGER_SEND_")

    smtp_host: str = "127.0.0.1"
    smtp_port: int = Field(25, ge=1, le=65535)
    smtp_from: str = "noreply@chargeledger.invalid"
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = False
    # Per-tenant webhook signing secrets, JSON: CHARGELEDGER_SEND_WEBHOOK_SECRETS='{"tenant-a": "s3cret"}'.
    webhook_secrets: dict[str, SecretStr] = Field(default_factory=dict)
    timeout_s: float = Field(10, gt=0)
    max_attempts: int = Field(5, ge=1)  # then a dead_letter delivery record
    backoff_base_s: float = Field(2, gt=0)  # attempt n waits base * 2**(n-1) before attempt n+1
    backoff_max_s: float = Field(600, gt=0)
