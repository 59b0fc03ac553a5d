"""Charging physics and arrivals: tapering DC power, monotone energy, peaks where drivers come."""

import random
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from jobs.simulate.driver import VEHICLES, Visit, arrivals_per_hour, charge_curve, charging_power_kw, next_arrival
from pipelines.catalog.models import PowerType


@given(st.sampled_from(VEHICLES), st.floats(0, 0.99), st.floats(0.001, 0.01))
def test_dc_power_never_rises_as_the_battery_fills(vehicle, soc, step):
    assert charging_power_kw(PowerType.DC, 150, vehicle, min(1, soc + step)) <= charging_power_kw(
        PowerType.DC, 150, vehicle, soc
    )


@given(st.sampled_from(VEHICLES), st.sampled_from([11, 22]), st.floats(0, 0.9))
def test_ac_power_is_capped_by_station_and_car(vehicle, kw, soc):
    assert 0 < charging_power_kw(PowerType.AC, kw, vehicle, soc) <= min(kw, vehicle.ac_kw)


@given(st.sampled_from(VEHICLES), st.sampled_from(list(PowerType)), st.floats(0.05, 0.6), st.sampled_from([0.8, 1.0]))
def test_curve_energy_grows_and_reaches_the_target(vehicle, power_type, soc_start, target):
    visit = Visit(datetime(2026, 1, 1, tzinfo=UTC), vehicle, soc_start, target, timedelta(hours=2), False)
    curve = charge_curve(power_type, 50 if power_type is PowerType.DC else 11, visit, horizon_s=48 * 3600)
    assert list(curve.energy_wh) == sorted(curve.energy_wh)
    assert curve.full_after_s is not None and curve.soc[-1] >= target
    needed_wh = (target - soc_start) * vehicle.battery_kwh * 1000
    assert needed_wh <= curve.energy_wh[-1] <= needed_wh / 0.92 + 200 * 1000 * 10 / 3600


def test_arrivals_follow_the_daily_curve():
    rng = random.Random(1)
    start = datetime(2026, 11, 23, tzinfo=UTC)
    hours = []
    for _ in range(300):
        at = start
        while (at := next_arrival(rng, PowerType.DC, at, start + timedelta(days=1))) is not None:
            hours.append(at.hour)
    evening_peak = sum(h in (17, 18) for h in hours)
    night = sum(h in (2, 3) for h in hours)
    assert evening_peak > 10 * night
    assert arrivals_per_hour(PowerType.AC, 8) > arrivals_per_hour(PowerType.AC, 3)
