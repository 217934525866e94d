"""The pure part of `unzr-sync bench`: percentiles, the figures computed from raw measurements with
their targets, the printed table and the JSON document. (Starting the whole stack takes longer than a
smoke test may; `unzr-sync bench --quick` is the check of the rest. No speed is asserted here.)"""

from __future__ import annotations

import json
import math
import os
import time

from bench.figures import TARGETS, Measurement, compute_figures, document, percentile, table
from bench.processes import cpu_seconds


def test_figures_table_and_json_shape() -> None:
    assert percentile([], 0.5) != percentile([], 0.5)  # NaN for no samples
    assert percentile([5.0], 0.99) == 5.0
    assert percentile([1.0, 2.0, 3.0, 4.0], 0.5) == 2.5
    assert math.isclose(percentile(list(map(float, range(101))), 0.99), 99.0)

    values = {
        "baseline_throughput_per_s": 100.0,
        "sync_throughput_0ms_per_s": 90.0,
        "sync_throughput_200ms_per_s": 70.0,  # the lower of the two counts
        "baseline_p50_ms": 40.0,
        "mutation_1_p50_ms": 15.0,
        "final_p50_ms": 280.0,
        "query_graphql_per_s": 300.0,
        "query_bare_per_s": 1000.0,
        "backfill_small_ms_per_sync": 10.0,
        "backfill_large_ms_per_sync": 11.0,
        "worker_peak_mb": 150.0,
        "mutation_16_p50_ms": 500.0,
        "mutation_16_p95_ms": 1250.0,
        "worker_cpu_ms_per_sync": 36.0,
        # api_peak_mb missing: NaN, which meets no target
    }
    figures = {figure.name: figure for figure in compute_figures(values, register_latency_ms=200)}
    assert list(figures) == [target.name for target in TARGETS]
    assert math.isclose(figures["throughput_ratio"].value, 0.7) and not figures["throughput_ratio"].met
    assert (
        math.isclose(figures["mutation_latency_ratio"].value, 0.375) and figures["mutation_latency_ratio"].met
    )
    assert math.isclose(figures["final_overhead_ms"].value, 40.0) and not figures["final_overhead_ms"].met
    assert math.isclose(figures["query_ratio"].value, 0.3) and not figures["query_ratio"].met
    assert figures["query_ratio"].target == ">= 0.7"
    assert math.isclose(figures["backfill_growth"].value, 1.1) and figures["backfill_growth"].met
    assert figures["worker_peak_mb"].met and figures["worker_peak_mb"].target == "< 300"
    assert math.isnan(figures["api_peak_mb"].value) and not figures["api_peak_mb"].met
    assert math.isclose(figures["mutation_tail_ratio"].value, 2.5) and figures["mutation_tail_ratio"].met
    assert figures["mutation_tail_ratio"].target == "<= 3"
    # Time to final p50 minus the register's 200 ms: 280 − 200.
    assert math.isclose(figures["register_overhead_ms"].value, 80.0) and figures["register_overhead_ms"].met
    assert math.isclose(figures["worker_cpu_ms_per_sync"].value, 36.0)
    assert not figures["worker_cpu_ms_per_sync"].met and figures["worker_cpu_ms_per_sync"].target == "<= 35"

    measurements = [Measurement("baseline_p50_ms", 40.0, "ms")]
    printed = table(list(figures.values()), measurements)
    for name in figures:
        assert name in printed
    assert "NO" in printed and "yes" in printed and "baseline_p50_ms" in printed

    written = json.loads(json.dumps(document(figures.values(), measurements, {"cpus": 2})))
    assert set(written) == {"figures", "measurements", "machine"}
    for figure in written["figures"]:
        assert set(figure) == {"name", "value", "unit", "target", "met"}
        assert isinstance(figure["met"], bool)
    by_name = {figure["name"]: figure for figure in written["figures"]}
    assert by_name["api_peak_mb"]["value"] is None  # NaN is written as null
    assert by_name["worker_cpu_ms_per_sync"] == {
        "name": "worker_cpu_ms_per_sync",
        "value": 36.0,
        "unit": "ms",
        "target": "<= 35",
        "met": False,
    }


def test_cpu_seconds_reads_the_process_cpu_time_from_proc() -> None:
    pid = os.getpid()
    before, reference = cpu_seconds(pid), time.process_time()
    while time.process_time() - reference < 0.2:
        pass  # burn CPU until the interpreter itself counts 0.2 s
    used = cpu_seconds(pid) - before
    # /proc counts in clock ticks (10 ms); this process's other threads add little.
    assert 0.17 <= used <= 0.5
