"""Which root field a GraphQL request asked for: the label of its metrics and the name of its span.
Only the schema's own fields are named, so a label cannot grow without bound."""

from __future__ import annotations

from graphql import DocumentNode, FieldNode, OperationDefinitionNode

KNOWN_OPERATIONS = frozenset(
    {"syncUnzrInfoRegister", "unzrInfoRegister", "node", "unzrInfos", "__schema", "__type", "__typename"}
)


def root_field(document: DocumentNode | None) -> str:
    if document is None:
        return "unparsed"
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode):
            fields = [s for s in definition.selection_set.selections if isinstance(s, FieldNode)]
            if fields and fields[0].name.value in KNOWN_OPERATIONS:
                return fields[0].name.value
            break
    return "other"
