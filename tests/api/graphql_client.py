"""A small GraphQL client for the API tests: posts operations as the admin panel would, with tokens
minted by api.dev_tokens, and polls a row until its sync has ended."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import httpx

from api.dev_tokens import issue_dev_token
from settings import Settings

READ_WRITE = ("unzr:read", "unzr:write")
UNZR_INFO_FIELDS = """
    id databaseId unzr jobStatus syncedAt insertedAt insertedBy updatedAt updatedBy
    workflowId temporalUiUrl
    lastError { code kind messageId }
    info {
      firstName lastName middleName rnokpp gender dateBirth
      documents { type number dateIssue dateExpiry depIssue }
    }
"""
SYNC = (
    "mutation Sync($unzr: String!) { syncUnzrInfoRegister(input: {unzr: $unzr}) { unzrInfo {"
    + UNZR_INFO_FIELDS
    + "} } }"
)
GET = "query Get($unzr: String!) { unzrInfoRegister(unzr: $unzr) {" + UNZR_INFO_FIELDS + "} }"
# A sync of the stand-in ends in well under a second; this bounds a hung one.
SYNC_DEADLINE_SECONDS = 30.0


@dataclass
class GraphQLClient:
    http: httpx.AsyncClient
    settings: Settings
    user: uuid.UUID

    def token(self, scopes: Iterable[str] = READ_WRITE, user: uuid.UUID | None = None) -> str:
        return issue_dev_token(self.settings, user_id=user or self.user, scopes=scopes)

    async def post(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        authorization: str | None = None,
        scopes: Iterable[str] = READ_WRITE,
    ) -> httpx.Response:
        """POST the operation; with a token of `scopes` unless `authorization` gives the header."""
        header = authorization if authorization is not None else f"Bearer {self.token(scopes)}"
        headers = {"Authorization": header} if header else {}
        return await self.http.post(
            "/graphql", json={"query": query, "variables": variables}, headers=headers
        )

    async def execute(
        self, query: str, variables: dict[str, Any] | None = None, **kwargs: Any
    ) -> dict[str, Any]:
        response = await self.post(query, variables, **kwargs)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def data(
        self, query: str, variables: dict[str, Any] | None = None, **kwargs: Any
    ) -> dict[str, Any]:
        """The `data` of an answer that must have no errors."""
        body = await self.execute(query, variables, **kwargs)
        assert "errors" not in body, body["errors"]
        data: dict[str, Any] = body["data"]
        return data

    async def sync(self, unzr: str, **kwargs: Any) -> dict[str, Any]:
        info: dict[str, Any] = (await self.data(SYNC, {"unzr": unzr}, **kwargs))["syncUnzrInfoRegister"][
            "unzrInfo"
        ]
        return info

    async def get(self, unzr: str) -> dict[str, Any] | None:
        info: dict[str, Any] | None = (await self.data(GET, {"unzr": unzr}))["unzrInfoRegister"]
        return info

    async def wait_until_finished(self, unzr: str) -> dict[str, Any]:
        """Polls the query until the row is no longer `pending`; fails after SYNC_DEADLINE_SECONDS."""
        deadline = time.monotonic() + SYNC_DEADLINE_SECONDS
        while True:
            row = await self.get(unzr)
            if row is not None and row["jobStatus"] != "pending":
                return row
            assert time.monotonic() < deadline, f"the sync did not finish in {SYNC_DEADLINE_SECONDS}s: {row}"
            await asyncio.sleep(0.05)


def error_codes(body: dict[str, Any]) -> list[str]:
    return [error.get("extensions", {}).get("code") for error in body.get("errors", [])]


def only_error(body: dict[str, Any]) -> dict[str, Any]:
    errors = body.get("errors", [])
    assert len(errors) == 1, body
    error: dict[str, Any] = errors[0]
    return error
