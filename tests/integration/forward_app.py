"""A Faust worker on pipelines' transport: forwards every record of a topic, counting them per partition in a table.

tests/integration/test_faust_seek.py runs it as `python -m tests.integration.forward_app worker`; configured by
FORWARD_BROKER, FORWARD_APP_ID, FORWARD_SOURCE, FORWARD_SINK, FORWARD_PARTITIONS and FORWARD_DATADIR.
"""

import asyncio
import os

import faust

from pipelines.streaming import faust_transport


class App(faust.App):
    def _new_transport(self) -> faust_transport.Transport:
        return faust_transport.Transport(self.conf.broker_consumer, self)


app = App(
    os.environ["FORWARD_APP_ID"],
    broker=f"kafka://{os.environ['FORWARD_BROKER']}",
    key_serializer="raw",
    value_serializer="raw",
    consumer_auto_offset_reset="earliest",
    broker_session_timeout=10,
    broker_heartbeat_interval=1,
    web_enabled=False,
    store="memory://",
    datadir=os.environ["FORWARD_DATADIR"],
    topic_partitions=int(os.environ["FORWARD_PARTITIONS"]),  # the table's changelog, partitioned as the source
)
source = app.topic(os.environ["FORWARD_SOURCE"], key_type=bytes, value_type=bytes)
sink = app.topic(os.environ["FORWARD_SINK"], key_type=bytes, value_type=bytes)
counts = app.Table("forwarded", key_type=bytes, value_type=int, default=int)  # recovered from its changelog on start


@app.agent(source)
async def forward(stream: faust.StreamT) -> None:
    async for value in stream:
        counts[value.split(b".")[0]] += 1
        await asyncio.sleep(0.01)  # slower than the fetcher: records wait in the agent's queue
        await sink.send(value=value, partition=0)


if __name__ == "__main__":
    app.main()
