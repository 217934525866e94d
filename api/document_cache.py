"""Parse and validate each distinct GraphQL document once per process, not once per request.

The admin panel sends the same few operations over and over, with different variables; parsing and
validating the same text each time was over half of the API's CPU per query (bench/, docs/benchmark.md).
Both caches are bounded LRUs keyed by the exact query text (and what else the result depends on), so a
client sending ever new texts costs what it cost before and cannot grow memory. Only documents that
parsed and validated cleanly are cached: an invalid one is parsed and validated again by the schema as
usual, and its errors are fresh objects for each request.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache

from graphql import ASTValidationRule, DocumentNode, GraphQLError, GraphQLSchema, parse
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import validate_document

MAX_DOCUMENTS = 256


@lru_cache(maxsize=MAX_DOCUMENTS)
def _parsed(query: str, max_tokens: int | None) -> DocumentNode:
    return parse(query, max_tokens=max_tokens)


@lru_cache(maxsize=MAX_DOCUMENTS)
def _valid(
    schema: GraphQLSchema, query: str, max_tokens: int | None, rules: tuple[type[ASTValidationRule], ...]
) -> bool:
    # lru_cache keeps what this returns, True or False; a False is never used (see on_validate).
    return not validate_document(schema, _parsed(query, max_tokens), rules)


class DocumentCache(SchemaExtension):
    def on_parse(self) -> Iterator[None]:
        context = self.execution_context
        if context.query and context.graphql_document is None:
            try:
                context.graphql_document = _parsed(context.query, context.parse_options.get("max_tokens"))
            except GraphQLError:
                pass  # left to the schema, which parses again and reports the error
        yield

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        query = context.query
        if query and context.pre_execution_errors is None and context.validation_rules:
            max_tokens = context.parse_options.get("max_tokens")
            try:
                cached = context.graphql_document is _parsed(query, max_tokens)
            except GraphQLError:
                cached = False
            if cached and _valid(context.schema._schema, query, max_tokens, tuple(context.validation_rules)):
                # Known valid: the schema skips its own validation when this is set.
                context.pre_execution_errors = []
        yield
