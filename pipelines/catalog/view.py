"""The catalog as workers see it: rebuilt from compacted-topic records, answering lookups, tariff choice and
the rules behind a session's idle fee and benefits."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from pydantic import ValidationError

from pipelines.catalog.keys import record_key
from pipelines.catalog.load import KIND_MODELS, KINDS, catalog_records
from pipelines.catalog.models import (
    Account,
    BillingMode,
    Catalog,
    Charger,
    Contract,
    Discount,
    IdleFee,
    PowerType,
    Site,
    SubscriptionPlan,
    TariffAssignment,
    Tenant,
    Token,
    Voucher,
)
from pipelines.rating.assign import Assigned, SessionFacts, assign_tariff, contract_of
from pipelines.rating.discounts import BenefitRules
from pipelines.rating.idle_fees import prices_parking
from pipelines.rating.models import RatedSession
from pipelines.rating.tariff import Tariff, TariffError, parse_tariff
from pipelines.sessions.models import ClosedSession

log = logging.getLogger(__name__)

DEFAULT_CUSTOMER_GROUP = "public"  # a driver whose token or account the catalog does not know pays as the public
_EARLIEST = datetime.min.replace(tzinfo=UTC)


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
    contract: Contract = Contract.ADHOC
    assignment: TariffAssignment | None = None  # None: the site's default tariff
    idle_fee: IdleFee | None = None  # the assignment's, else the tenant's; never with a tariff pricing parking


class CatalogView:
    """In-memory catalog keyed by (tenant, id); `apply` takes one compacted-topic record, None deletes."""

    def __init__(self) -> None:
        self._entities: dict[str, dict[tuple[str, str], Any]] = {kind: {} for kind in KINDS}
        self._tariffs: dict[tuple[str, str], Tariff] = {}  # (tenant, id or id@start) -> parsed version
        self._versions: dict[tuple[str, str], dict[str, Tariff]] = {}  # (tenant, id) -> version id -> version
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
                self._drop_tariff(tenant_id, entity_id)
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
        if record_key(kind, body) != "/".join(key):
            raise ValueError(f"value is for {record_key(kind, body)!r}, not for its key")
        if kind != "tariffs":
            self._entities[kind][key] = KIND_MODELS[kind].model_validate(body)
            return
        tariff = parse_tariff(body)
        stored = self._tariffs.get(key)
        if stored and stored.last_updated and tariff.last_updated and tariff.last_updated < stored.last_updated:
            raise ValueError(f"older than the version held (last_updated {stored.last_updated.isoformat()})")
        self._drop_tariff(*key)
        self._tariffs[key] = tariff
        self._versions.setdefault((key[0], tariff.id), {})[key[1]] = tariff
        self._entities[kind][key] = body

    def _drop_tariff(self, tenant_id: str, version_id: str) -> None:
        tariff = self._tariffs.pop((tenant_id, version_id), None)
        if tariff is not None:
            self._versions.get((tenant_id, tariff.id), {}).pop(version_id, None)

    # --- lookups ---------------------------------------------------------------------------------------

    def charger(self, tenant_id: str, charge_point_id: str) -> Charger | None:
        return self._entities["chargers"].get((tenant_id, charge_point_id))

    def site(self, tenant_id: str, site_id: str) -> Site | None:
        return self._entities["sites"].get((tenant_id, site_id))

    def token(self, tenant_id: str, uid: str) -> Token | None:
        return self._entities["tokens"].get((tenant_id, uid))

    def account(self, tenant_id: str, account_id: str) -> Account | None:
        return self._entities["accounts"].get((tenant_id, account_id))

    def tenant(self, tenant_id: str) -> Tenant | None:
        return self._entities["tenants"].get((tenant_id, tenant_id))

    def idle_fee(self, tenant_id: str, idle_fee_id: str | None) -> IdleFee | None:
        return self._entities["idle_fees"].get((tenant_id, idle_fee_id or ""))

    def tariff_versions(self, tenant_id: str, tariff_id: str) -> tuple[Tariff, ...]:
        """Every version of a tariff, each parsed once when its record arrived."""
        return tuple(self._versions.get((tenant_id, tariff_id), {}).values())

    def tariff(self, tenant_id: str, tariff_id: str) -> Tariff | None:
        """The tariff's latest-starting version."""
        versions = self.tariff_versions(tenant_id, tariff_id)
        return max(versions, key=lambda version: version.start_date_time or _EARLIEST, default=None)

    def counts(self) -> dict[str, int]:
        return {kind: len(entities) for kind, entities in self._entities.items()}

    def entities(self, kind: str) -> list[Any]:
        """Every entity of a kind, all tenants (batch jobs such as invoicing walk them)."""
        return list(self._entities[kind].values())

    def _of_tenant(self, kind: str, tenant_id: str) -> list[Any]:
        return [entity for (tenant, _), entity in self._entities[kind].items() if tenant == tenant_id]

    # --- which tariff ------------------------------------------------------------------------------------

    def tariff_for(self, session: ClosedSession) -> TariffChoice | None:
        """The tariff version assign_tariff chooses (pipelines/rating/assign.py); None if the catalog cannot say."""
        tenant = session.tenant_id
        charger = self.charger(tenant, session.charge_point_id)
        site = self.site(tenant, charger.site_id) if charger else None
        if charger is None or site is None:
            return None
        account = self._account_of(tenant, session.id_tag)
        group, level, contract = driver(account)
        facts = SessionFacts(
            charger.charge_point_id, site.site_id, connector_power_type(charger, session.connector_id), group, level,
            contract, session.started_at,
        )  # fmt: skip
        rules = self._of_tenant("tariff_assignments", tenant)
        assigned = assign_tariff(facts, rules, lambda tariff_id: self.tariff_versions(tenant, tariff_id),
                                 site.default_tariff_id)  # fmt: skip
        if assigned is None:
            return None
        return TariffChoice(assigned.tariff, site, account, site.time_zone, charger, facts.power_type, group,
                            contract, assigned.rule, self._idle_fee_for(tenant, assigned))  # fmt: skip

    def _account_of(self, tenant_id: str, id_tag: str) -> Account | None:
        token = self.token(tenant_id, id_tag)
        return self.account(tenant_id, token.account_id) if token else None

    def _idle_fee_for(self, tenant_id: str, assigned: Assigned) -> IdleFee | None:
        """The assignment's idle fee, else the tenant's; none where the tariff prices parking itself."""
        if prices_parking(assigned.tariff):
            return None
        if assigned.rule is not None and assigned.rule.idle_fee_id is not None:
            return self.idle_fee(tenant_id, assigned.rule.idle_fee_id)
        tenant = self._entities["tenants"].get((tenant_id, tenant_id))
        return self.idle_fee(tenant_id, tenant.idle_fee_id) if tenant else None

    def benefit_rules(self, rated: RatedSession) -> BenefitRules | None:
        """The discounts, vouchers and subscription that may apply to a rated session; None without its site."""
        session = rated.session
        tenant = session.tenant_id
        site = self.site(tenant, rated.site_id)
        if site is None:
            return None
        account = self.account(tenant, rated.account_id) if rated.account_id else None
        vouchers: list[Voucher] = [
            voucher
            for voucher in self._of_tenant("vouchers", tenant)
            if (account is not None and voucher.account_id == account.account_id) or voucher.token_uid == session.id_tag
        ]
        plan: SubscriptionPlan | None = None
        if account is not None and account.subscription_plan_id:
            plan = self._entities["subscription_plans"].get((tenant, account.subscription_plan_id))
        discounts: list[Discount] = sorted(self._of_tenant("discounts", tenant), key=lambda d: d.rule_id)
        group, level, contract = driver(account)
        return BenefitRules(site.time_zone, group, level, contract, tuple(discounts), tuple(vouchers), plan)


def driver(account: Account | None) -> tuple[str, str | None, Contract]:
    """Customer group, membership level and contract of the driver behind an account (None: unknown token)."""
    if account is None:
        return DEFAULT_CUSTOMER_GROUP, None, Contract.ADHOC
    billed_ad_hoc = account.billing_mode is BillingMode.ADHOC
    return account.customer_group, account.membership_level, contract_of(True, billed_ad_hoc)


def connector_power_type(charger: Charger, connector_id: int) -> PowerType | None:
    """The connector's power type; a charger whose connectors all share one answers for unknown connectors."""
    for connector in charger.connectors:
        if connector.connector_id == connector_id:
            return connector.power_type
    kinds = {connector.power_type for connector in charger.connectors}
    return kinds.pop() if len(kinds) == 1 else None
