"""The GraphQL schema: the contract's queries and mutation, and the operators' list `unzrInfos`.

`schema.graphql` at the repository root is this schema printed; regenerate it with
`python -m api.export_schema > schema.graphql`.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import strawberry
from graphql import GraphQLError
from strawberry.extensions import (
    AddValidationRules,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    QueryDepthLimiter,
    SchemaExtension,
)
from strawberry.schema.config import StrawberryConfig
from strawberry.types import ExecutionContext

from api import resolvers
from api.audit import AuditTrail
from api.document_cache import DocumentCache
from api.errors import ErrorCodes, is_unexpected, log_unexpected
from api.introspection import IntrospectionNeedsToken
from api.permissions import CanReadUnzr, CanWriteUnzr
from api.types import Node, SyncUnzrInfoRegisterPayload, UnzrInfo, UnzrInfoConnection
from observability.api_metrics import ApiMetrics, GraphQLMetricsExtension
from observability.tracing import GraphQLTracingExtension
from settings import Settings

MAX_ALIASES = 30
MAX_TOKENS = 2000


@strawberry.type
class Query:
    unzr_info_register: UnzrInfo | None = strawberry.field(
        resolver=resolvers.unzr_info_register,
        description="Gets the info related to an UNZR stored after the job got it from the EIS MVS register. "
        "Scope: unzr:read",
        permission_classes=[CanReadUnzr],
    )
    node: Node | None = strawberry.field(
        resolver=resolvers.node,
        description="The object with this global id; null for an id of a type this service does not hold. "
        "Scope: unzr:read",
        permission_classes=[CanReadUnzr],
    )
    unzr_infos: UnzrInfoConnection = strawberry.field(
        resolver=resolvers.unzr_infos,
        description="Synced UNZR records for operators, a page at a time (keyset pagination; "
        "`first` at most 100). Scope: unzr:read",
        permission_classes=[CanReadUnzr],
    )


@strawberry.type
class Mutation:
    sync_unzr_info_register: SyncUnzrInfoRegisterPayload | None = strawberry.mutation(
        resolver=resolvers.sync_unzr_info_register,
        description="Starts the job that gets the info related to an UNZR from the EIS MVS register. "
        "Scope: unzr:write",
        permission_classes=[CanWriteUnzr],
    )


class ApiSchema(strawberry.Schema):
    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        # Strawberry's default logs every error with its message and traceback; messages may hold
        # personal data, and the client's own mistakes are not the server's to log.
        for error in errors:
            if is_unexpected(error):
                log_unexpected(error)


def create_schema(settings: Settings | None = None, metrics: ApiMetrics | None = None) -> ApiSchema:
    """The schema; with settings, also the limits on what one request may ask (depth, aliases, tokens)."""
    extensions: list[type[SchemaExtension] | Callable[[], SchemaExtension]] = []
    if metrics is not None:
        # First, so it wraps the others and sees the final error codes.
        extensions.append(partial(GraphQLMetricsExtension, metrics=metrics))
    extensions.append(GraphQLTracingExtension)
    extensions.append(ErrorCodes)
    # Inside ErrorCodes: an audit write that failed turns the answer into an error before codes are set.
    extensions.append(AuditTrail)
    if settings is not None and settings.env == "production":
        extensions.append(IntrospectionNeedsToken)
    if settings is not None:
        # The limits' validation rules are made once, not per request, so that the document cache
        # (keyed by the rules too) can find a document it validated before.
        rules = [
            *QueryDepthLimiter(max_depth=settings.api_max_query_depth).validation_rules,
            *MaxAliasesLimiter(max_alias_count=MAX_ALIASES).validation_rules,
        ]
        extensions += [
            partial(AddValidationRules, rules),
            partial(MaxTokensLimiter, max_token_count=MAX_TOKENS),
            DocumentCache,
        ]
    # In production, validation errors do not suggest field names either ("Did you mean …?"): they
    # would tell a caller without a token the schema that introspection refuses them.
    config = StrawberryConfig(disable_field_suggestions=settings is not None and settings.env == "production")
    return ApiSchema(query=Query, mutation=Mutation, types=[UnzrInfo], extensions=extensions, config=config)
