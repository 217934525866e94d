"""The access audit of GraphQL requests: what a request started or showed, written before it answers.

Resolvers note what they do (`AuditNotes`): the mutation a `sync` of the row it started, the `info`
field a `read` (or a `list`, under `unzrInfos`) of the row it returns. Once the operation has run and
before the answer leaves, `AuditTrail` writes the notes of the request in one INSERT. If that fails the
answer becomes an error: personal data is never handed out unaudited. (A sync started by a request
whose audit write failed still runs; its caller is told the request failed.)

`record_access` is the same write for the other ways personal data leaves the service (the payload
codec the Temporal UI calls).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator, Sequence
from typing import TYPE_CHECKING

from asgi_correlation_id import correlation_id
from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

from api.errors import INTERNAL_ERROR_MESSAGE, INTERNAL_SERVER_ERROR
from db.audit_store import AuditAction, AuditEntry, AuditStore

if TYPE_CHECKING:
    from api.context import RequestContext

logger = logging.getLogger("api.audit")


class AuditWriteFailed(Exception):
    """The audit rows of a request could not be written; what it would have answered must not leave."""


class AuditNotes:
    """What one request started or showed, in the order the resolvers ran."""

    def __init__(self) -> None:
        self.entries: list[AuditEntry] = []

    def note(self, action: AuditAction, unzr_info_id: uuid.UUID | None) -> None:
        self.entries.append(AuditEntry(action=action, unzr_info_id=unzr_info_id))

    def take(self) -> list[AuditEntry]:
        """The notes so far, leaving none: each operation of a request writes only its own."""
        taken, self.entries = self.entries, []
        return taken


def current_request_id() -> str | None:
    """The id of the HTTP request being served (the `X-Request-ID` of its answer), if any."""
    return correlation_id.get()


async def record_access(store: AuditStore, user_id: uuid.UUID, entries: Sequence[AuditEntry]) -> None:
    """Write the audit rows of the current request; raises AuditWriteFailed when they could not be."""
    try:
        await store.record(user_id=user_id, request_id=current_request_id(), entries=entries)
    except Exception as error:
        # The type only: a database error's text repeats the statement and may name the database.
        logger.error("audit write failed: %s", type(error).__name__, extra={"audit_rows": len(entries)})
        raise AuditWriteFailed from None


class AuditTrail(SchemaExtension):
    """Writes the request's audit notes once the operation has executed, before the answer is built."""

    async def on_execute(self) -> AsyncIterator[None]:
        yield
        context: RequestContext = self.execution_context.context
        entries = context.audit.take()
        if not entries:
            return
        result = self.execution_context.result
        try:
            principal = await context.principal()
            await record_access(context.services.audit, principal.user_id, entries)
        except Exception:  # AuditWriteFailed, or no caller to write down: nothing leaves either way
            if result is not None:
                result.data = None
                result.errors = [
                    GraphQLError(INTERNAL_ERROR_MESSAGE, extensions={"code": INTERNAL_SERVER_ERROR})
                ]
