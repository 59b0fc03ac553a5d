"""Batch jobs: migrations, catalog loading, the simulator, reports."""
