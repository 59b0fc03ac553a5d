"""The workers' CatalogView plus the lookups a gateway needs: a charger by its id alone, a token (and whether it
is blocklisted) by any case."""

from __future__ import annotations

import logging

from pipelines.catalog.models import Charger, Token
from pipelines.catalog.view import CatalogView

log = logging.getLogger(__name__)


class GatewayCatalog(CatalogView):
    """A station names only itself (the URL path), so chargers are also indexed by charge point id; OCPP idTags
    are case-insensitive (CiString), so tokens are also indexed case-folded. Both follow every applied record."""

    def __init__(self) -> None:
        super().__init__()
        self._tenants_of: dict[str, set[str]] = {}
        self._token_uids: dict[tuple[str, str], str] = {}
        self._blocked: dict[tuple[str, str], set[str]] = {}  # (tenant, case-folded uid) -> blocklisted spellings

    def apply(self, kind: str, key: bytes, value: bytes | None) -> bool:
        applied = super().apply(kind, key, value)
        if applied and kind == "blocklist":
            self._index_blocked(*key.decode("utf-8").split("/", 1), present=value is not None)
        if applied and kind in ("chargers", "tokens"):
            tenant_id, entity_id = key.decode("utf-8").split("/", 1)
            if kind == "chargers":
                self._index_charger(tenant_id, entity_id)
            else:
                self._index_token(tenant_id, entity_id)
        return applied

    def _index_charger(self, tenant_id: str, charge_point_id: str) -> None:
        tenants = self._tenants_of.setdefault(charge_point_id, set())
        if self.charger(tenant_id, charge_point_id) is None:
            tenants.discard(tenant_id)
        else:
            tenants.add(tenant_id)
            if len(tenants) > 1:
                log.warning("charge point %r is in tenants %s: its stations are refused", charge_point_id, tenants)
        if not tenants:
            del self._tenants_of[charge_point_id]

    def _index_token(self, tenant_id: str, uid: str) -> None:
        folded = (tenant_id, uid.casefold())
        if self.token(tenant_id, uid) is not None:
            self._token_uids[folded] = uid
        elif self._token_uids.get(folded) == uid:
            del self._token_uids[folded]

    def _index_blocked(self, tenant_id: str, uid: str, *, present: bool) -> None:
        folded = (tenant_id, uid.casefold())
        spellings = self._blocked.setdefault(folded, set())
        if present:
            spellings.add(uid)
        else:
            spellings.discard(uid)
        if not spellings:
            del self._blocked[folded]

    def blocklisted(self, tenant_id: str, uid: str) -> bool:
        """On the tenant's blocklist (catalog.blocklist, fed by operators and token-misuse flags), in any case."""
        return (tenant_id, uid.casefold()) in self._blocked

    def charger_by_id(self, charge_point_id: str) -> Charger | None:
        """The charger with this id; None when unknown or ambiguous (the same id in two tenants)."""
        tenants = self._tenants_of.get(charge_point_id)
        if not tenants or len(tenants) > 1:
            return None
        return self.charger(next(iter(tenants)), charge_point_id)

    def token_by_uid(self, tenant_id: str, uid: str) -> Token | None:
        """The tenant's token with this uid, compared exactly first, then ignoring case."""
        token = self.token(tenant_id, uid)
        if token is None:
            stored = self._token_uids.get((tenant_id, uid.casefold()))
            token = self.token(tenant_id, stored) if stored is not None else None
        return token
