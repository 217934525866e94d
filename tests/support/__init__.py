"""Test support: the real parts (PostgreSQL, Temporal, the stand-in register) started for tests."""
