"""Logs, metrics and traces: what operators watch."""
