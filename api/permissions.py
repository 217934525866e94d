"""Scope checks on fields: `unzr:read` for the queries, `unzr:write` for the mutation.

A check raises the error itself rather than returning False, because the two ways to fail answer
differently: no trusted token is UNAUTHENTICATED, a trusted token without the scope is FORBIDDEN
with the missing allowances named.
"""

from __future__ import annotations

from typing import Any, ClassVar

from strawberry.permission import BasePermission
from strawberry.types import Info

from api.context import RequestContext
from api.errors import Forbidden

UNZR_READ = "unzr:read"
UNZR_WRITE = "unzr:write"


class ScopePermission(BasePermission):
    required: ClassVar[tuple[str, ...]] = ()

    async def has_permission(self, source: Any, info: Info[RequestContext, None], **kwargs: Any) -> bool:
        principal = await info.context.principal()
        missing = [scope for scope in self.required if scope not in principal.scopes]
        if missing:
            raise Forbidden(missing)
        return True


class CanReadUnzr(ScopePermission):
    required = (UNZR_READ,)


class CanWriteUnzr(ScopePermission):
    required = (UNZR_WRITE,)
