"""Who holds which card: every accepted card is one driver's, homed at a site, and a driver is at one place at a time.

Uniform card draws put one card in Aachen and Stockholm at once, which the flag rules rightly call concurrent use and
impossible travel. Here each tenant's cards are dealt to the simulated sites: first as many home-bound drivers per
site as it has connectors (so a site never runs out of drivers: its visits in progress are fewer than its
connectors), the rest as roamers who also charge at the other sites of their home city. A card is handed out in
arrival order to a driver who is free, has had time to cross town, and preferably has not charged for a while.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from jobs.simulate.inventory import SimChargePoint
from pipelines.flags.history import haversine_km

CITY_KM = 25.0  # sites this close to a roamer's home site are in its city
CROSS_TOWN_KMH = 30.0  # how fast a driver gets from one charging stop to the next
TURNAROUND = timedelta(minutes=30)  # drivers preferred for a visit have not charged for this long

NEVER = datetime.min.replace(tzinfo=UTC)  # when a driver who has not charged yet is free
SiteKey = tuple[str, str]  # (tenant, site)


@dataclass(slots=True)
class Driver:
    """One card's holder: where they charge, and until when and where they were last busy."""

    uid: str
    sites: frozenset[str]  # where this driver charges: the home site, for roamers its whole city
    free_at: datetime | None = None  # the end of the driver's last visit (the connector was free again)
    last_site: str | None = None


class Cards:
    """The drivers of the simulated fleet, with when and where each was last seen; `pick` + `hold` per visit."""

    def __init__(self, fleet: Sequence[SimChargePoint], seed: int) -> None:
        self.rng = random.Random(f"{seed}/cards")
        self.positions = {_site(cp): cp.position for cp in fleet}
        self.drivers: dict[str, list[Driver]] = {}  # by tenant
        for tenant in sorted({cp.tenant_id for cp in fleet}):
            own = [cp for cp in fleet if cp.tenant_id == tenant]
            self.drivers[tenant] = self._deal(tenant, own)

    def pick(self, cp: SimChargePoint, arrival: datetime) -> str | None:
        """The card of a driver who can be at `cp` at `arrival` (rested ones first), or None if nobody can."""
        tenant, site = _site(cp)
        ready = [
            (driver, at)
            for driver in self.drivers[tenant]
            if site in driver.sites
            and driver.uid in cp.accepted_tokens
            and (at := self._ready_at(tenant, driver, site)) <= arrival
        ]
        rested = [driver for driver, at in ready if at + TURNAROUND <= arrival]
        chosen = rested or [driver for driver, _ in ready]
        return self.rng.choice(chosen).uid if chosen else None

    def hold(self, cp: SimChargePoint, uid: str, until: datetime) -> None:
        """The driver of `uid` is at `cp` until `until`."""
        tenant, site = _site(cp)
        driver = next(driver for driver in self.drivers[tenant] if driver.uid == uid)
        driver.free_at, driver.last_site = until, site

    def _deal(self, tenant: str, own: list[SimChargePoint]) -> list[Driver]:
        connectors: dict[str, int] = {}
        for cp in own:
            connectors[cp.charger.site_id] = connectors.get(cp.charger.site_id, 0) + len(cp.charger.connectors)
        cards = sorted({uid for cp in own for uid in cp.accepted_tokens})
        self.rng.shuffle(cards)
        sites = sorted(connectors)
        homes = [site for seat in range(max(connectors.values())) for site in sites if seat < connectors[site]]
        drivers = [Driver(uid, frozenset({home})) for uid, home in zip(cards, homes, strict=False)]
        for n, uid in enumerate(cards[len(homes) :]):
            drivers.append(Driver(uid, self._city(tenant, sites[n % len(sites)], sites)))
        return drivers

    def _city(self, tenant: str, home: str, sites: list[str]) -> frozenset[str]:
        return frozenset(site for site in sites if site == home or self._km(tenant, home, site) <= CITY_KM)

    def _ready_at(self, tenant: str, driver: Driver, site: str) -> datetime:
        if driver.free_at is None:
            return NEVER
        if driver.last_site is None or driver.last_site == site:
            return driver.free_at
        return driver.free_at + timedelta(hours=self._km(tenant, driver.last_site, site) / CROSS_TOWN_KMH)

    def _km(self, tenant: str, a: str, b: str) -> float:
        first, second = self.positions[(tenant, a)], self.positions[(tenant, b)]
        return float("inf") if first is None or second is None else haversine_km(first, second)


def _site(cp: SimChargePoint) -> SiteKey:
    return cp.tenant_id, cp.charger.site_id
