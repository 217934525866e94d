"""Registers the workflow's search attributes on the namespace when they are missing: without them
the workflow could not record its outcome. On clusters where the worker may not do that (Temporal
Cloud), an operator registers them once; see docs/operations.md.

Several workers starting at once all find them missing and all try to add them; Temporal accepts the
first and refuses the others. A refused add is therefore checked again: when every attribute is there
now, another worker registered them and nothing is wrong."""

from __future__ import annotations

import logging

from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest, ListSearchAttributesRequest
from temporalio.client import Client
from temporalio.service import RPCError

from workflows.search_attributes import ALL

logger = logging.getLogger("temporal_client.search_attributes")


async def _missing(client: Client, namespace: str) -> list[str]:
    listed = await client.operator_service.list_search_attributes(
        ListSearchAttributesRequest(namespace=namespace)
    )
    return [key.name for key in ALL if key.name not in listed.custom_attributes]


async def ensure_search_attributes(client: Client, namespace: str) -> list[str]:
    """Adds the missing ones; returns the names this call added. Logs, and returns [], when it may not."""
    try:
        missing = await _missing(client, namespace)
        if missing:
            try:
                await client.operator_service.add_search_attributes(
                    AddSearchAttributesRequest(
                        namespace=namespace,
                        search_attributes={
                            name: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD for name in missing
                        },
                    )
                )
            except RPCError:
                if await _missing(client, namespace):
                    raise
                logger.debug("search attributes were registered by another process meanwhile")
                return []
        return missing
    except RPCError as error:
        logger.warning(
            "could not check or register search attributes %s (%s); register them by hand",
            [key.name for key in ALL],
            error.status.name,
        )
        return []
