from decimal import Decimal

from jobs.report import Summary, bar_chart, render


def test_the_report_shows_revenue_rounded_for_display_and_a_bar_per_site() -> None:
    summary = Summary(
        events=10, sessions=2, notifications=2, dead_letters=1,
        revenue=[("t", "SITE-A", "EUR", 2, Decimal("30.5"), Decimal("10.005"), Decimal("11.90595")),
                 ("t", "SITE-B", "EUR", 1, Decimal("15.25"), Decimal("5"), Decimal("5.95"))],
        notification_kinds=[("session_completed", "email", 2)],
        dead_letter_classes=[("ingest", "not_json", 1)],
    )  # fmt: skip
    text = render(summary)
    assert "10.01" in text and "11.91" in text  # half up to cents, for display only
    bars = [line for line in text.splitlines() if "█" in line]
    assert len(bars) == 2 and bars[0].count("█") == 2 * bars[1].count("█")


def test_no_bars_without_positive_values() -> None:
    assert bar_chart([("a", Decimal(0))]) == []
