"""Search attributes the sync workflow sets, so operators can filter runs in the Temporal UI
(`SyncOutcome = "failed"`, `SyncFaultCode = "AccessDenied"`). Values are outcomes and fault-code
labels from a closed vocabulary (register/fault_codes.py), never the register's own text: Temporal's
visibility store is unencrypted and no place for personal data."""

from __future__ import annotations

from temporalio.common import SearchAttributeKey

SYNC_OUTCOME = SearchAttributeKey.for_keyword("SyncOutcome")
SYNC_FAULT_CODE = SearchAttributeKey.for_keyword("SyncFaultCode")
ALL = (SYNC_OUTCOME, SYNC_FAULT_CODE)
