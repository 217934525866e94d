"""Introspection (`__schema`, `__type`) needs a valid token in production; in development it stays
open for GraphiQL. `__typename` is not introspection and needs nothing anywhere."""

from __future__ import annotations

import time
import uuid

import jwt
import pytest
from graphql import get_introspection_query

from settings import Settings
from tests.api.conftest import ApiFactory
from tests.api.graphql_client import error_codes

SCHEMA = "{ __schema { queryType { name } } }"
TYPE = '{ __type(name: "UnzrInfo") { name fields { name } } }'
# Hidden behind a fragment and an inline fragment: the check looks through both.
FRAGMENT = "query { ...Peek } fragment Peek on Query { ... on Query { __schema { types { name } } } }"
TYPENAME = "{ __typename }"


@pytest.mark.parametrize("query", [SCHEMA, TYPE, FRAGMENT, get_introspection_query()])
async def test_production_introspection_needs_a_valid_token(
    settings: Settings, api_factory: ApiFactory, query: str
) -> None:
    production = settings.model_copy(update={"env": "production"})
    async with api_factory(production) as api:
        for authorization in ("", "Bearer not-a-token"):
            body = await api.execute(query, authorization=authorization)
            assert error_codes(body) == ["UNAUTHENTICATED"], body
            assert body.get("data") is None
            assert "UnzrInfo" not in str(body) and "queryType" not in str(body)
        # Any valid token will do: reading the schema needs no scope. (Signed by hand: development
        # tokens are not issued in production.)
        assert production.jwt_secret is not None
        claims = {"sub": str(uuid.uuid4()), "scope": "", "exp": int(time.time()) + 600}
        token = jwt.encode(claims, production.jwt_secret.get_secret_value(), algorithm="HS256")
        body = await api.execute(query, authorization=f"Bearer {token}")
        assert "errors" not in body, body
        assert body["data"]
        # __typename alone is not introspection.
        assert await api.execute(TYPENAME, authorization="") == {"data": {"__typename": "Query"}}


async def test_development_introspection_is_open_for_graphiql(
    settings: Settings, api_factory: ApiFactory
) -> None:
    async with api_factory(settings) as api:
        body = await api.execute(SCHEMA, authorization="")
        assert body == {"data": {"__schema": {"queryType": {"name": "Query"}}}}


async def test_production_does_not_suggest_field_names_either(
    settings: Settings, api_factory: ApiFactory
) -> None:
    misspelt = '{ unzrInfoRegiste(unzr: "x") { id } }'
    async with api_factory(settings) as api:
        assert "Did you mean" in str(await api.execute(misspelt, authorization=""))
    async with api_factory(settings.model_copy(update={"env": "production"})) as api:
        body = await api.execute(misspelt, authorization="")
        assert error_codes(body) == ["GRAPHQL_VALIDATION_FAILED"]
        assert "Did you mean" not in str(body) and "unzrInfoRegister" not in str(body)
