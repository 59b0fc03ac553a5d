"""Catalog: chargers, tokens, accounts and tariffs the operator maintains."""

# Sub-model modules (branding, wallet, ...) build on models.Strict, and models imports them once Strict exists:
# importing models first keeps that cycle working whichever of them a caller imports first.
from pipelines.catalog import models as _models  # noqa: F401
