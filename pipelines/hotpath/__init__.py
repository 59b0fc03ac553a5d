"""The hot path: ingest and sessionization over batches of raw frames, outside Faust's per-event loop.

Faust's per-event machinery tops out near 7k events/s per worker (EMBEDDED.md); this path consumes
ocpp.inbound in batches, condenses frames into charge-point state and emits at the rate of sessions.
"""
