"""How a failing workflow task's failure is named in the worker's log line, its metric label and
`unzr-sync reconcile --report`: a name from code, never the failure's message (which can quote anything)."""

from __future__ import annotations

import re

NONDETERMINISM = "NondeterminismError"
UNKNOWN = "WorkflowTaskFailure"
# The failure's application type as the SDK's core prints it (Rust debug output of the Failure).
_FAILURE_TYPE = re.compile(r'r#type: "([A-Za-z_][A-Za-z0-9_.]{0,99})"')


def failure_type_from_core(failure: str) -> str:
    """Non-determinism, or the exception's class name for a bug in workflow code."""
    if "NonDeterministic" in failure or "Nondeterminism" in failure:
        return NONDETERMINISM
    match = _FAILURE_TYPE.search(failure)
    return match.group(1) if match else UNKNOWN
