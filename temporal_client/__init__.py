"""Connecting to Temporal and starting syncs: shared by the API, the CLI and the worker."""
