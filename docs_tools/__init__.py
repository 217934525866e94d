"""Tools that generate parts of the documentation from the code, so the two cannot drift apart."""
