"""The base of every catalog model: unknown fields are errors (a typo must not pass silently), values immutable."""

from pydantic import BaseModel, ConfigDict


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
