"""What one request may ask: body size, query depth, aliases; GraphiQL only when enabled; no queries
in URLs; unexpected failures masked."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import pytest
from graphql import get_introspection_query

from settings import Settings
from tests.api.conftest import ApiFactory
from tests.api.graphql_client import GET, GraphQLClient, only_error
from tests.support.ports import free_port
from tests.support.stand_in_records import FOUND
from tests.support.unzrs import unique_unzr


async def test_body_over_the_limit_is_413(api: GraphQLClient) -> None:
    limit = api.settings.api_max_body_bytes
    padding = " " * limit
    response = await api.post("{ __typename" + padding + "}")
    assert response.status_code == 413
    assert response.json()["errors"][0]["extensions"]["code"] == "PAYLOAD_TOO_LARGE"


async def test_chunked_body_over_the_limit_is_413(api: GraphQLClient) -> None:
    limit = api.settings.api_max_body_bytes

    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"query": "{ __typename '
        for _ in range(limit // 1024 + 1):
            yield b" " * 1024
        yield b'}"}'

    response = await api.http.post("/graphql", content=chunks(), headers={"Content-Type": "application/json"})
    assert response.status_code == 413


async def test_body_just_under_the_limit_is_served(api: GraphQLClient) -> None:
    # The counterpart of the 413 tests: size alone decides.
    query = "{ __typename }"
    overhead = len(f'{{"query": "{query}", "variables": null}}')
    padded = query[:-1] + " " * (api.settings.api_max_body_bytes - overhead - 10) + "}"
    response = await api.post(padded)
    assert response.status_code == 200
    assert response.json() == {"data": {"__typename": "Query"}}


# The deepest path of the schema, top-level field at depth 0 (as QueryDepthLimiter counts), and a
# leaf field at each depth so that every prefix is a valid query.
DEEPEST_PATH = ["unzrInfos", "edges", "node", "info", "documents"]
LEAF_AT_DEPTH = {2: "cursor", 3: "id", 4: "firstName", 5: "type"}


def nested_query(depth: int) -> str:
    fields = [*DEEPEST_PATH[:depth], LEAF_AT_DEPTH[depth]]
    return "{ " + " { ".join(fields) + " }" * len(fields)


@pytest.mark.parametrize("limit", [3, 4])
async def test_too_deep_query_is_refused(settings: Settings, api_factory: ApiFactory, limit: int) -> None:
    # The default limit (10) is deeper than any valid query of this schema; a lower one shows it works.
    async with api_factory(settings.model_copy(update={"api_max_query_depth": limit})) as api:
        body = await api.execute(nested_query(limit + 1))
        error = only_error(body)
        assert error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
        assert "depth" in error["message"]
        assert body.get("data") is None

        assert "errors" not in await api.execute(nested_query(limit))


async def test_too_many_aliases_are_refused(api: GraphQLClient) -> None:
    query = "{ " + " ".join(f"a{i}: __typename" for i in range(31)) + " }"
    error = only_error(await api.execute(query))
    assert error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"


async def test_syntax_error_has_a_code(api: GraphQLClient) -> None:
    body = await api.execute("{ unzrInfoRegister(")
    assert only_error(body)["extensions"]["code"] == "GRAPHQL_PARSE_FAILED"


async def test_unknown_field_has_a_code(api: GraphQLClient) -> None:
    body = await api.execute("{ nothingHere }")
    assert only_error(body)["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"


async def test_no_queries_in_urls(api: GraphQLClient) -> None:
    response = await api.http.get(
        "/graphql", params={"query": "{ __typename }"}, headers={"Authorization": f"Bearer {api.token()}"}
    )
    assert response.status_code == 400
    assert "__typename" not in response.text


async def test_bodies_that_are_not_a_json_object_are_refused_with_400(api: GraphQLClient) -> None:
    # The view's own JSON decoding (api/app.py) would fail on these with a 500.
    headers = {"Authorization": f"Bearer {api.token()}", "Content-Type": "application/json"}
    for body in (b"null", b"1", b'"x"', b'{"query": "\xff"}'):
        response = await api.http.post("/graphql", content=body, headers=headers)
        assert response.status_code == 400, body


async def test_graphiql_off_by_default(api: GraphQLClient) -> None:
    response = await api.http.get("/graphql", headers={"Accept": "text/html"})
    assert response.status_code == 404
    assert "graphiql" not in response.text.lower()


async def test_graphiql_when_enabled(settings: Settings, api_factory: ApiFactory) -> None:
    async with api_factory(settings.model_copy(update={"graphiql": True})) as api:
        response = await api.http.get("/graphql", headers={"Accept": "text/html"})
        assert response.status_code == 200
        assert "graphiql" in response.text.lower()


async def test_unexpected_failure_is_masked_and_logged_without_personal_data(
    settings: Settings, api_factory: ApiFactory, caplog: pytest.LogCaptureFixture
) -> None:
    # Nothing listens on this port: the database read fails with a driver error naming the query.
    dead_database = settings.database_url.rsplit("@", 1)[0] + f"@127.0.0.1:{free_port()}/nowhere"
    unzr = unique_unzr(FOUND)
    async with api_factory(settings.model_copy(update={"database_url": dead_database})) as api:
        with caplog.at_level(logging.DEBUG):
            body = await api.execute(GET, {"unzr": unzr})

    error = only_error(body)
    assert error == {
        "message": "Internal server error",
        "locations": error["locations"],
        "path": ["unzrInfoRegister"],
        "extensions": {"code": "INTERNAL_SERVER_ERROR"},
    }
    assert body["data"] == {"unzrInfoRegister": None}
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "unexpected error in GraphQL field unzrInfoRegister" in logged
    assert unzr not in logged
    assert unzr[:8] not in logged


async def test_introspection_fits_the_limits(api: GraphQLClient) -> None:
    # GraphiQL and code generators send the full introspection query; the limits must let it through.
    body = await api.execute(get_introspection_query(descriptions=True, input_value_deprecation=True))
    assert "errors" not in body, body["errors"]
    assert body["data"]["__schema"]["queryType"]["name"] == "Query"


async def test_too_many_tokens_are_refused(api: GraphQLClient) -> None:
    query = "{ " + "__typename " * 3000 + "}"
    assert len(query.encode()) < api.settings.api_max_body_bytes
    error = only_error(await api.execute(query))
    assert error["extensions"]["code"] == "GRAPHQL_PARSE_FAILED"
