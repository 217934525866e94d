"""The schema against the contract (the SDL block of docs/graphql-api.md) and against the committed
`schema.graphql` (regenerate: `python -m api.export_schema > schema.graphql`)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from graphql import (
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    build_schema,
)

from api.export_schema import schema_sdl

SCHEMA_FILE = Path(__file__).resolve().parents[2] / "schema.graphql"

# The contract's part of the schema, as docs/graphql-api.md writes it between its markers.
API_DOC = Path(__file__).resolve().parents[2] / "docs" / "graphql-api.md"
_CONTRACT_BLOCK = re.compile(
    r"<!-- contract-sdl -->\s*```graphql\n(.*?)```\s*<!-- /contract-sdl -->", re.DOTALL
)


def contract_sdl() -> str:
    match = _CONTRACT_BLOCK.search(API_DOC.read_text("utf-8"))
    assert match is not None, f"{API_DOC} has no contract-sdl block"
    return match.group(1)


CONTRACT_SDL = contract_sdl()


@pytest.fixture(scope="module")
def contract() -> GraphQLSchema:
    return build_schema(CONTRACT_SDL)


@pytest.fixture(scope="module")
def ours() -> GraphQLSchema:
    return build_schema(schema_sdl())


def test_schema_file_is_current() -> None:
    assert SCHEMA_FILE.read_text("utf-8") == schema_sdl(), (
        "schema.graphql is stale: python -m api.export_schema > schema.graphql"
    )


def _contract_types(contract: GraphQLSchema) -> list[str]:
    return sorted(name for name in contract.type_map if not name.startswith("__"))


@pytest.mark.parametrize("name", _contract_types(build_schema(CONTRACT_SDL)))
def test_contract_type_is_present_with_every_field(
    contract: GraphQLSchema, ours: GraphQLSchema, name: str
) -> None:
    expected = contract.type_map[name]
    actual = ours.type_map.get(name)
    assert actual is not None, f"type {name} is missing"
    assert type(actual) is type(expected), f"{name} is a {type(actual).__name__}"
    if isinstance(expected, GraphQLScalarType):
        return
    assert isinstance(expected, GraphQLObjectType | GraphQLInterfaceType | GraphQLInputObjectType)
    assert isinstance(actual, GraphQLObjectType | GraphQLInterfaceType | GraphQLInputObjectType)
    if isinstance(expected, GraphQLObjectType | GraphQLInterfaceType):
        assert isinstance(actual, GraphQLObjectType | GraphQLInterfaceType)
        assert {i.name for i in expected.interfaces} <= {i.name for i in actual.interfaces}
    for field_name, field in expected.fields.items():
        assert field_name in actual.fields, f"{name}.{field_name} is missing"
        ours_field = actual.fields[field_name]
        assert str(ours_field.type) == str(field.type), f"{name}.{field_name}: {ours_field.type}"
        expected_args = getattr(field, "args", {})
        actual_args = getattr(ours_field, "args", {})
        assert {arg: str(a.type) for arg, a in actual_args.items()} == {
            arg: str(a.type) for arg, a in expected_args.items()
        }, f"{name}.{field_name} arguments"
        if field.description:
            assert ours_field.description == field.description


def test_contract_roots(ours: GraphQLSchema) -> None:
    assert ours.query_type is not None and ours.query_type.name == "Query"
    assert ours.mutation_type is not None and ours.mutation_type.name == "Mutation"
    assert ours.subscription_type is None


def test_the_contract_block_is_the_whole_contract(contract: GraphQLSchema) -> None:
    assert {"UnzrInfo", "UnzrInfoDetails", "UnzrInfoDocument", "Node", "UUID", "DateTime"} <= set(
        contract.type_map
    )
    unzr_info = contract.type_map["UnzrInfo"]
    assert isinstance(unzr_info, GraphQLObjectType) and len(unzr_info.fields) == 10


def test_the_contract_check_catches_a_retyped_field(contract: GraphQLSchema) -> None:
    # The check above compares printed types: a nullable id must not pass for `ID!`.
    changed = build_schema(re.sub(r"\bid: ID!", "id: ID", CONTRACT_SDL))
    unzr_info = changed.type_map["UnzrInfo"]
    expected = contract.type_map["UnzrInfo"]
    assert isinstance(unzr_info, GraphQLObjectType) and isinstance(expected, GraphQLObjectType)
    assert str(unzr_info.fields["id"].type) != str(expected.fields["id"].type)
