"""Search attributes the sync workflow sets, so operators can filter runs in the Temporal UI
(`SyncOutcome = "failed"`, `SyncFaultCode = "Server.ServerProxy.AccessDenied"`). Values are outcomes
and fault codes only: Temporal's visibility store is no place for personal data."""

from __future__ import annotations

from temporalio.common import SearchAttributeKey

SYNC_OUTCOME = SearchAttributeKey.for_keyword("SyncOutcome")
SYNC_FAULT_CODE = SearchAttributeKey.for_keyword("SyncFaultCode")
ALL = (SYNC_OUTCOME, SYNC_FAULT_CODE)
