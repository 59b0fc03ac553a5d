"""Ingest: OCPP-J envelopes validated, deduplicated and normalized to charging events."""
