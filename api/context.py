"""The GraphQL context of one request: the services, and the caller, checked at most once and only
when a field that needs it is resolved (so `{ __typename }` needs no token)."""

from __future__ import annotations

import logging

from fastapi import Request
from strawberry.fastapi import BaseContext

from api.audit import AuditNotes
from api.auth import InvalidToken, Principal, bearer_token
from api.errors import Unauthenticated
from api.services import ApiServices

logger = logging.getLogger("api.auth")


def services_of(request: Request) -> ApiServices:
    services: ApiServices = request.app.state.services
    return services


class RequestContext(BaseContext):
    def __init__(self, services: ApiServices, authorization: str | None) -> None:
        super().__init__()
        self.services = services
        self._authorization = authorization
        self._principal: Principal | None = None
        self._refused = False
        # What this request started or showed, written by api.audit.AuditTrail before it answers.
        self.audit = AuditNotes()

    async def principal(self) -> Principal:
        """The verified caller; raises Unauthenticated for a missing or untrusted token."""
        if self._principal is not None:
            return self._principal
        if self._refused:
            raise Unauthenticated()
        try:
            self._principal = await self.services.tokens.verify(bearer_token(self._authorization))
        except InvalidToken as error:
            self._refused = True
            logger.info("access token refused: %s", error)
            raise Unauthenticated() from None
        return self._principal
