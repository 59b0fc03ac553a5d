"""Waiting until the pipeline has drained: every stage's consumer group has caught up with its topics."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from pipelines.config import Settings
from pipelines.streaming.offsets import consumer_lag


def stage_groups(settings: Settings) -> dict[str, list[str]]:
    """Consumer group -> the topics it consumes, for every stage of the pipeline."""
    from pipelines.warehouse.sink import topic_decoders  # the sink's topics are whatever it decodes

    t = settings.topics
    agents = [t.sessions_closed, t.sessions_priced, t.sessions_rated, t.sessions_running, t.sessions_costs, t.flags,
              t.wallet_commands, t.payment_requests, t.payment_results, t.refund_requests]  # fmt: skip
    return {
        f"{settings.app_id}-hotpath": [t.inbound],
        f"{settings.app_id}-stations": [t.events],  # the station watch raising station flags
        settings.app_id: agents,  # Faust agents
        f"{settings.app_id}-sink": sorted(topic_decoders(settings)),
    }


async def total_lag(settings: Settings) -> int:
    lag = 0
    for group, topics in stage_groups(settings).items():
        per_topic = await consumer_lag(settings, group, topics, settings.broker_list_offsets_exact)
        lag += sum(per_topic.values())
    return lag


async def wait_drained(
    settings: Settings,
    *,
    timeout_s: float = 300,
    settle_polls: int = 3,
    poll_s: float = 0.5,
    progress: Callable[[int], None] | None = None,
) -> None:
    """Return once the total lag has been zero for `settle_polls` polls in a row (a stage may still be
    producing into the next topic when the lag first reads zero). Raises TimeoutError past `timeout_s`.
    """
    deadline = time.monotonic() + timeout_s
    zero_in_a_row = 0
    while zero_in_a_row < settle_polls:
        if time.monotonic() > deadline:
            raise TimeoutError(f"pipeline did not drain within {timeout_s:.0f} s")
        lag = await total_lag(settings)
        if progress:
            progress(lag)
        zero_in_a_row = zero_in_a_row + 1 if lag == 0 else 0
        await asyncio.sleep(poll_s)
