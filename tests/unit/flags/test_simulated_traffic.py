"""Simulated normal traffic through every flag rule (bench/flags.py, no Kafka) raises no flag."""

from datetime import date

from bench.flags import week


def test_a_normal_simulated_day_raises_no_flag() -> None:
    day = week(1, seed=11, start=date(2026, 11, 9), charge_points=8)
    assert day["rated_sessions"] > 50
    assert day["flags_by_type"] == {}
    attempts = day["refused_attempts"]
    assert attempts["flagged"] == attempts["simulated"] > 0  # every refused card, and only those


def test_consecutive_days_stay_silent_across_midnight() -> None:
    """Registers and drivers carry over midnight: no meter gap, no card in two places between days."""
    days = week(2, seed=11, start=date(2026, 11, 9), charge_points=8)
    assert days["rated_sessions"] > 100
    assert set(days["misuse_and_metering_flags"].values()) == {0}
