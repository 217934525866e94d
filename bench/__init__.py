"""`unzr-sync bench`: the benchmark of issue 6 (see docs/benchmark.md)."""
