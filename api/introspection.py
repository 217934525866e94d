"""Introspection (`__schema`, `__type`) needs a valid token in production: the schema describes what
the service holds, and nobody without a token has a reason to read it. In development it stays open,
for GraphiQL. `__typename` is not introspection of the schema and stays open everywhere."""

from __future__ import annotations

from collections.abc import AsyncIterator

from graphql import (
    DocumentNode,
    ExecutionResult,
    FieldNode,
    FragmentDefinitionNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
)
from strawberry.extensions import SchemaExtension

from api.errors import Unauthenticated

INTROSPECTION_FIELDS = frozenset({"__schema", "__type"})


def asks_for_introspection(document: DocumentNode) -> bool:
    """Whether any operation or fragment of the document selects `__schema` or `__type` (they are only
    valid on the query root, but a fragment spread or inline fragment can put them there)."""

    def selects(selection_set: SelectionSetNode | None) -> bool:
        if selection_set is None:
            return False
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                if selection.name.value in INTROSPECTION_FIELDS:
                    return True
            elif isinstance(selection, InlineFragmentNode) and selects(selection.selection_set):
                return True
        return False

    return any(
        isinstance(definition, OperationDefinitionNode | FragmentDefinitionNode)
        and selects(definition.selection_set)
        for definition in document.definitions
    )


class IntrospectionNeedsToken(SchemaExtension):
    """Answers UNAUTHENTICATED, without executing, a document that introspects and has no valid token."""

    async def on_execute(self) -> AsyncIterator[None]:
        context = self.execution_context
        document = context.graphql_document
        if document is not None and asks_for_introspection(document):
            try:
                await context.context.principal()
            except Unauthenticated as refusal:
                # Set before execution: the schema then skips executing the document.
                context.result = ExecutionResult(
                    data=None,
                    errors=[
                        GraphQLError(refusal.message, original_error=refusal, extensions=refusal.extensions)
                    ],
                )
        yield
