"""Streaming pipeline: Faust app, hot-path workers and the pure domain code they run."""
