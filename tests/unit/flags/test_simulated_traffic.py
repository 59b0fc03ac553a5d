"""A simulated day of normal traffic through every flag rule (bench/flags.py, no Kafka) raises no flag."""

from datetime import date

from bench.flags import week


def test_a_normal_simulated_day_raises_no_flag() -> None:
    day = week(1, seed=11, start=date(2026, 11, 9), driver_cards=True, charge_points=8)
    assert day["rated_sessions"] > 50
    assert day["flags_by_type"] == {}
    assert day["simulator_artifacts"] == {}  # one day: no register drawn afresh between days
    attempts = day["refused_attempts"]
    assert attempts["flagged"] == attempts["simulated"] > 0  # every refused card, and only those


def test_the_simulators_uniform_card_draw_is_caught_as_token_misuse() -> None:
    day = week(1, seed=11, start=date(2026, 11, 9), driver_cards=False, charge_points=8)
    assert set(day["flags_by_type"]) == {"concurrent_token_use", "impossible_travel"}
