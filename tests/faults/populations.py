"""The UNZRs a scenario syncs, by record number (which fixes the stand-in's behaviour)."""

from __future__ import annotations

from fault_suite.truth import UnzrSource

# Flaky: one or two transient failures (of each of the three kinds), then found.
FLAKY = (8001, 8002, 8011, 8012, 8021, 8022)
# Transient on every call: REGISTER_UNAVAILABLE, a ServiceFailed fault, a bare 503, a wrong echoed id.
ALWAYS_TRANSIENT = (9001, 9021, 9043, 9060)
# Permanent: INVALID_UNZR, AccessDenied, HTTP 400, a cut answer, another person's record.
PERMANENT = (9000, 9010, 9046, 9050, 9072)
SLOW = 9040
FOUND_WITHOUT_PERSON = 9070  # empty
FOUND_WITH_EXTRAS = 9071  # found


def mixed(source: UnzrSource, count: int) -> list[str]:
    """Every outcome: about 53% found, 20% empty, 10% flaky, 7% always transient, 8% permanent."""
    records: list[int] = []
    records += [FLAKY[i % len(FLAKY)] for i in range(count // 10)]
    records += [ALWAYS_TRANSIENT[i % len(ALWAYS_TRANSIENT)] for i in range(count * 7 // 100)]
    records += [PERMANENT[i % len(PERMANENT)] for i in range(count * 8 // 100)]
    records += [FOUND_WITHOUT_PERSON, FOUND_WITH_EXTRAS] * max(1, count // 100)
    records += [source.empty_record() for _ in range(count // 5)]
    records += [source.found_record() for _ in range(count - len(records))]
    return source.shuffled([source.unzr(record) for record in records])


def found_or_empty(source: UnzrSource, count: int, *, slow: int) -> list[str]:
    """`count` UNZRs: `slow` answered later than the call deadline, the rest 70% found, 30% empty."""
    plain = count - slow
    records = [source.found_record() for _ in range(plain * 7 // 10)]
    records += [source.empty_record() for _ in range(plain - len(records))]
    records += [SLOW] * slow
    return source.shuffled([source.unzr(record) for record in records])
