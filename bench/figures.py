"""The pure part of the benchmark: percentiles, the figures with their targets, the printed table and
the JSON document."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

# The figures of issues 6 and 14, in the order of the table, with their targets.
AT_LEAST = ">="
AT_MOST = "<="
BELOW = "<"


@dataclass(frozen=True)
class Target:
    name: str
    unit: str
    comparison: str
    bound: float
    meaning: str

    def met(self, value: float) -> bool:
        if math.isnan(value):
            return False
        if self.comparison == AT_LEAST:
            return value >= self.bound
        if self.comparison == AT_MOST:
            return value <= self.bound
        return value < self.bound


TARGETS: tuple[Target, ...] = (
    Target("throughput_ratio", "ratio", AT_LEAST, 0.8, "sync throughput ÷ baseline throughput"),
    Target("mutation_latency_ratio", "ratio", AT_MOST, 0.5, "mutation p50 ÷ baseline p50 (one at a time)"),
    Target("final_overhead_ms", "ms", AT_MOST, 30.0, "time to final p50 − (baseline p50 + register latency)"),
    Target("query_ratio", "ratio", AT_LEAST, 0.7, "unzrInfoRegister req/s ÷ bare endpoint req/s"),
    Target("backfill_growth", "ratio", AT_MOST, 1.2, "per-sync cost, large backfill ÷ small backfill"),
    Target("worker_peak_mb", "MiB", BELOW, 300.0, "worker peak resident memory (VmHWM)"),
    Target("api_peak_mb", "MiB", BELOW, 250.0, "API peak resident memory (VmHWM)"),
    Target("mutation_tail_ratio", "ratio", AT_MOST, 3.0, "mutation p95 ÷ p50 with 16 clients"),
    Target("register_overhead_ms", "ms", AT_MOST, 80.0, "time to final p50 at +200 ms − 200 ms"),
    Target(
        "worker_cpu_ms_per_sync", "ms", AT_MOST, 35.0, "sync worker CPU (/proc) ÷ syncs, throughput at +0 ms"
    ),
)


@dataclass(frozen=True)
class Figure:
    name: str
    value: float
    unit: str
    target: str
    met: bool

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "value": _json_number(self.value),
            "unit": self.unit,
            "target": self.target,
            "met": self.met,
        }


@dataclass(frozen=True)
class Measurement:
    """A raw figure the targets are computed from; no target of its own."""

    name: str
    value: float
    unit: str

    def as_json(self) -> dict[str, Any]:
        return {"name": self.name, "value": _json_number(self.value), "unit": self.unit}


def _json_number(value: float) -> float | None:
    return None if math.isnan(value) or math.isinf(value) else round(value, 4)


def percentile(samples: Sequence[float], fraction: float) -> float:
    """The `fraction` (0..1) percentile with linear interpolation between closest ranks (numpy's
    default); NaN for no samples."""
    if not 0.0 <= fraction <= 1.0:
        raise ValueError("fraction must be within 0..1")
    if not samples:
        return math.nan
    ordered = sorted(samples)
    position = (len(ordered) - 1) * fraction
    low = math.floor(position)
    high = math.ceil(position)
    if low == high:
        return ordered[low]
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def latency_summary(prefix: str, samples_ms: Sequence[float]) -> list[Measurement]:
    return [
        Measurement(f"{prefix}_p50_ms", percentile(samples_ms, 0.50), "ms"),
        Measurement(f"{prefix}_p95_ms", percentile(samples_ms, 0.95), "ms"),
        Measurement(f"{prefix}_p99_ms", percentile(samples_ms, 0.99), "ms"),
    ]


def _ratio(numerator: float, denominator: float) -> float:
    if denominator == 0 or math.isnan(denominator) or math.isnan(numerator):
        return math.nan
    return numerator / denominator


def compute_figures(values: dict[str, float], register_latency_ms: float) -> list[Figure]:
    """The ten figures of issues 6 and 14 from the raw measurements (by their names in `values`; a missing
    one gives NaN, which meets no target)."""

    def get(name: str) -> float:
        return values.get(name, math.nan)

    sync_throughput = min(get("sync_throughput_0ms_per_s"), get("sync_throughput_200ms_per_s"))
    computed: dict[str, Callable[[], float]] = {
        "throughput_ratio": lambda: _ratio(sync_throughput, get("baseline_throughput_per_s")),
        "mutation_latency_ratio": lambda: _ratio(get("mutation_1_p50_ms"), get("baseline_p50_ms")),
        "final_overhead_ms": lambda: get("final_p50_ms") - (get("baseline_p50_ms") + register_latency_ms),
        "query_ratio": lambda: _ratio(get("query_graphql_per_s"), get("query_bare_per_s")),
        "backfill_growth": lambda: _ratio(
            get("backfill_large_ms_per_sync"), get("backfill_small_ms_per_sync")
        ),
        "worker_peak_mb": lambda: get("worker_peak_mb"),
        "api_peak_mb": lambda: get("api_peak_mb"),
        "mutation_tail_ratio": lambda: _ratio(get("mutation_16_p95_ms"), get("mutation_16_p50_ms")),
        "register_overhead_ms": lambda: get("final_p50_ms") - register_latency_ms,
        "worker_cpu_ms_per_sync": lambda: get("worker_cpu_ms_per_sync"),
    }
    figures = []
    for target in TARGETS:
        value = computed[target.name]()
        figures.append(
            Figure(
                name=target.name,
                value=value,
                unit=target.unit,
                target=f"{target.comparison} {target.bound:g}",
                met=target.met(value),
            )
        )
    return figures


def document(
    figures: Iterable[Figure], measurements: Iterable[Measurement], machine: dict[str, Any]
) -> dict[str, Any]:
    """The JSON written by `--json`."""
    return {
        "figures": [figure.as_json() for figure in figures],
        "measurements": [measurement.as_json() for measurement in measurements],
        "machine": machine,
    }


def _format_value(value: float) -> str:
    if math.isnan(value):
        return "n/a"
    if abs(value) >= 100:
        return f"{value:.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.3f}" if abs(value) < 1 else f"{value:.2f}"


def table(figures: Sequence[Figure], measurements: Sequence[Measurement]) -> str:
    """The figures with their targets, then the raw measurements, as fixed-width text."""
    meaning = {target.name: target.meaning for target in TARGETS}
    rows = [("figure", "value", "unit", "target", "met", "what")]
    for figure in figures:
        rows.append(
            (
                figure.name,
                _format_value(figure.value),
                figure.unit,
                figure.target,
                "yes" if figure.met else "NO",
                meaning.get(figure.name, ""),
            )
        )
    lines = _columns(rows)
    if measurements:
        lines += [
            "",
            *_columns(
                [("measurement", "value", "unit")]
                + [(m.name, _format_value(m.value), m.unit) for m in measurements]
            ),
        ]
    return "\n".join(lines)


def _columns(rows: Sequence[Sequence[str]]) -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for index, row in enumerate(rows):
        cells = [cell.rjust(widths[i]) if i == 1 else cell.ljust(widths[i]) for i, cell in enumerate(row)]
        lines.append("  ".join(cells).rstrip())
        if index == 0:
            lines.append("  ".join("-" * width for width in widths))
    return lines
