"""Naming a failing workflow task's failure from the SDK core's text: a name from code, never the text."""

from __future__ import annotations

from observability.workflow_task_failures import NONDETERMINISM, UNKNOWN, failure_type_from_core


def test_non_determinism_is_named_as_such() -> None:
    text = 'Failure { failure: Some(Failure { message: "[TMPRL1100] Nondeterminism error: No command scheduled for event HistoryEvent(id: 6, MarkerRecorded)" }), force_cause: NonDeterministicError }'
    assert failure_type_from_core(text) == NONDETERMINISM


def test_a_bug_is_named_by_its_exception_class_only() -> None:
    text = 'Failure { failure: Some(Failure { message: "19910824-00026 Коваленко", failure_info: Some(ApplicationFailureInfo(ApplicationFailureInfo { r#type: "KeyError", non_retryable: false })) }) }'
    assert failure_type_from_core(text) == "KeyError"


def test_anything_else_gets_the_generic_name() -> None:
    assert failure_type_from_core('r#type: "not a name; DROP"') == UNKNOWN
    assert failure_type_from_core("") == UNKNOWN
