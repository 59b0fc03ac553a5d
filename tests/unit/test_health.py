"""The worker's readiness: its Faust tables must be recovered, not only its catalog read."""

import faust

from pipelines.health import tables_recovered


def test_tables_count_as_recovered_only_after_a_recovery_finished_and_while_no_other_runs() -> None:
    app = faust.App("health-test", broker="kafka://127.0.0.1:1", web_enabled=False)
    recovery = app.tables.recovery
    assert not tables_recovered(app)  # started, never assigned partitions
    recovery.completed.set()
    assert tables_recovered(app)
    recovery.in_recovery = True  # a rebalance handed it partitions whose tables are being restored
    assert not tables_recovered(app)
