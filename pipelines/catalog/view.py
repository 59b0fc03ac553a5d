"""The catalog as workers see it: rebuilt from compacted-topic records, answering lookups and tariff choice."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from pydantic import ValidationError

from pipelines.catalog.load import ASSIGNMENT_ORDER_FIELD, KIND_MODELS, KINDS, catalog_records, record_key
from pipelines.catalog.models import Account, Catalog, Charger, PowerType, Site, TariffAssignment, Token
from pipelines.rating.tariff import Tariff, TariffError, parse_tariff
from pipelines.sessions.models import ClosedSession

log = logging.getLogger(__name__)

DEFAULT_CUSTOMER_GROUP = "public"  # a driver whose token or account the catalog does not know pays as the public


@dataclass(frozen=True, slots=True)
class TariffChoice:
    """The tariff a session is priced with, and what it was chosen from."""

    tariff: Tariff
    site: Site
    account: Account | None
    time_zone: str  # the site's IANA zone: tariff restrictions are local time
    charger: Charger
    power_type: PowerType | None
    customer_group: str


@dataclass(frozen=True, slots=True)
class _Assignment:
    rule: TariffAssignment
    order: int

    @property
    def specificity(self) -> int:
        return sum(value is not None for value in (self.rule.customer_group, self.rule.site_id, self.rule.power_type))


class CatalogView:
    """In-memory catalog keyed by (tenant, id); `apply` takes one compacted-topic record, None deletes."""

    def __init__(self) -> None:
        self._entities: dict[str, dict[tuple[str, str], Any]] = {kind: {} for kind in KINDS}
        self._tariffs: dict[tuple[str, str], Tariff] = {}
        self.rejected: list[str] = []  # records that could not be used, with the reason

    @classmethod
    def from_catalog(cls, catalog: Catalog) -> CatalogView:
        """A view of a loaded catalog, as if every record of `catalog_records` had been applied."""
        view = cls()
        for kind, key, value in catalog_records(catalog):
            view.apply(kind, key, value)
        return view

    def apply(self, kind: str, key: bytes, value: bytes | None) -> bool:
        """Apply one record; returns False (and records why) when it was rejected, never raises."""
        try:
            tenant_id, entity_id = key.decode("utf-8").split("/", 1)
            if kind not in self._entities:
                raise ValueError(f"unknown catalog kind {kind!r}")
            if value is None:
                self._entities[kind].pop((tenant_id, entity_id), None)
                self._tariffs.pop((tenant_id, entity_id), None)
                return True
            self._store(kind, (tenant_id, entity_id), json.loads(value, parse_float=Decimal))
        except (ValueError, TypeError, KeyError, ValidationError, TariffError) as exc:
            reason = f"catalog.{kind} {key!r}: {exc}"
            log.warning("rejected %s", reason)
            self.rejected.append(reason)
            return False
        return True

    def _store(self, kind: str, key: tuple[str, str], body: Any) -> None:
        if not isinstance(body, dict):
            raise ValueError(f"expected a JSON object, got {type(body).__name__}")
        order = body.pop(ASSIGNMENT_ORDER_FIELD, None) if kind == "tariff_assignments" else None
        if record_key(kind, body) != "/".join(key):
            raise ValueError(f"value is for {record_key(kind, body)!r}, not for its key")
        if kind == "tariffs":
            self._tariffs[key] = parse_tariff(body)
            self._entities[kind][key] = body
            return
        entity = KIND_MODELS[kind].model_validate(body)
        if isinstance(entity, TariffAssignment):
            position = order if isinstance(order, int) else len(self._entities[kind])
            self._entities[kind][key] = _Assignment(entity, position)
        else:
            self._entities[kind][key] = entity

    # --- lookups ---------------------------------------------------------------------------------------

    def charger(self, tenant_id: str, charge_point_id: str) -> Charger | None:
        return self._entities["chargers"].get((tenant_id, charge_point_id))

    def site(self, tenant_id: str, site_id: str) -> Site | None:
        return self._entities["sites"].get((tenant_id, site_id))

    def token(self, tenant_id: str, uid: str) -> Token | None:
        return self._entities["tokens"].get((tenant_id, uid))

    def account(self, tenant_id: str, account_id: str) -> Account | None:
        return self._entities["accounts"].get((tenant_id, account_id))

    def tariff(self, tenant_id: str, tariff_id: str) -> Tariff | None:
        """Parsed once when its record arrived."""
        return self._tariffs.get((tenant_id, tariff_id))

    def counts(self) -> dict[str, int]:
        return {kind: len(entities) for kind, entities in self._entities.items()}

    # --- which tariff ------------------------------------------------------------------------------------

    def tariff_for(self, session: ClosedSession) -> TariffChoice | None:
        """The most specific matching assignment (ties: file order), else the site default; None if unknown."""
        tenant = session.tenant_id
        charger = self.charger(tenant, session.charge_point_id)
        site = self.site(tenant, charger.site_id) if charger else None
        if charger is None or site is None:
            return None
        token = self.token(tenant, session.id_tag)
        account = self.account(tenant, token.account_id) if token else None
        group = account.customer_group if account else DEFAULT_CUSTOMER_GROUP
        power_type = connector_power_type(charger, session.connector_id)
        for tariff_id in self._candidate_tariff_ids(tenant, group, site, power_type):
            tariff = self.tariff(tenant, tariff_id)
            if tariff is not None and _valid_at(tariff, session):
                return TariffChoice(tariff, site, account, site.time_zone, charger, power_type, group)
        return None

    def _candidate_tariff_ids(self, tenant: str, group: str, site: Site, power_type: PowerType | None) -> list[str]:
        rules = [
            assignment
            for (rule_tenant, _), assignment in self._entities["tariff_assignments"].items()
            if rule_tenant == tenant and _matches(assignment.rule, group, site.site_id, power_type)
        ]
        rules.sort(key=lambda assignment: (-assignment.specificity, assignment.order))
        return [assignment.rule.tariff_id for assignment in rules] + [site.default_tariff_id]


def connector_power_type(charger: Charger, connector_id: int) -> PowerType | None:
    """The connector's power type; a charger whose connectors all share one answers for unknown connectors."""
    for connector in charger.connectors:
        if connector.connector_id == connector_id:
            return connector.power_type
    kinds = {connector.power_type for connector in charger.connectors}
    return kinds.pop() if len(kinds) == 1 else None


def _matches(rule: TariffAssignment, group: str, site_id: str, power_type: PowerType | None) -> bool:
    return (
        (rule.customer_group is None or rule.customer_group == group)
        and (rule.site_id is None or rule.site_id == site_id)
        and (rule.power_type is None or rule.power_type == power_type)
    )


def _valid_at(tariff: Tariff, session: ClosedSession) -> bool:
    """OCPI start/end_date_time bound when a tariff may be used; judged at the session's start."""
    starts, ends = tariff.start_date_time, tariff.end_date_time
    return (starts is None or starts <= session.started_at) and (ends is None or session.started_at < ends)
