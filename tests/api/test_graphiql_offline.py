"""GraphiQL works with the network cut: its scripts and styles come from the API itself. Headless
Chromium, every request to anything but the API refused, renders the editor and runs a mutation with
the development token."""

from __future__ import annotations

import json
import re
from urllib.parse import quote, urlsplit

import pytest
from fastapi import FastAPI
from playwright.async_api import Route

from api.app import create_app
from api.dev_tokens import issue_dev_token
from api.graphiql_offline import STATIC_PREFIX, GraphiQLAssetMissing, vendored_assets
from settings import Settings
from tests.api.conftest import TEST_USER
from tests.support.asgi_server import serve_app
from tests.support.browser import headless_chromium_async
from tests.support.stand_in_records import FOUND
from tests.support.unzrs import unique_unzr

DEADLINE_MS = 60_000


async def test_graphiql_renders_and_runs_a_mutation_without_the_internet(
    running_worker: object, settings: Settings
) -> None:
    settings = settings.model_copy(update={"graphiql": True})
    app: FastAPI = create_app(settings)
    unzr = unique_unzr(FOUND)
    token = issue_dev_token(settings, user_id=TEST_USER, scopes=["unzr:read", "unzr:write"])
    mutation = (
        f'mutation {{ syncUnzrInfoRegister(input: {{unzr: "{unzr}"}}) {{ unzrInfo {{ unzr jobStatus }} }} }}'
    )
    headers = json.dumps({"Authorization": f"Bearer {token}"})
    refused: list[str] = []
    served: list[str] = []

    async def only_loopback(route: Route) -> None:
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            served.append(urlsplit(route.request.url).path)
            await route.continue_()
        else:
            refused.append(route.request.url)
            await route.abort("internetdisconnected")

    async with app.router.lifespan_context(app), serve_app(app) as base:
        # The page itself points at no other host.
        page_html = (await _get(base + "graphql")).lower()
        assert "unpkg.com" not in page_html and "https://" not in page_html.replace("https://github.com", "")

        async with headless_chromium_async() as browser:
            context = await browser.new_context()
            await context.route("**/*", only_loopback)
            page = await context.new_page()
            await page.goto(f"{base}graphql?q={quote(mutation)}&headers={quote(headers)}")
            await page.locator(".graphiql-container .graphiql-query-editor").wait_for(timeout=DEADLINE_MS)
            await page.locator("button.graphiql-execute-button").click()
            result = page.locator(".graphiql-response")
            await result.get_by_text('"jobStatus"').wait_for(timeout=DEADLINE_MS)
            text = await result.inner_text()
            assert unzr in text and '"errors"' not in text

    assert refused == []
    assert {f"{STATIC_PREFIX}/{asset}" for asset in vendored_assets()} <= set(served)


async def _get(url: str) -> str:
    import httpx

    async with httpx.AsyncClient() as http:
        response = await http.get(url, headers={"Accept": "text/html"})
    assert response.status_code == 200
    return response.text


def test_the_manifest_pins_every_file_the_page_names_and_the_installed_files_match() -> None:
    from build_tools.vendor_graphiql import STATIC_DIR, assets_of_page, sri, strawberry_page

    manifest = json.loads((STATIC_DIR / "MANIFEST.json").read_text(encoding="utf-8"))
    recorded = {f"{e['package']}@{e['version']}/{e['path']}": e["sha384"] for e in manifest}
    page = {asset.local_path: asset.integrity for asset in assets_of_page(strawberry_page())}
    assert page and recorded == page, "strawberry changed its page: run python -m build_tools.vendor_graphiql"
    for local_path, integrity in recorded.items():
        assert sri("sha384", (STATIC_DIR / local_path).read_bytes()) == integrity, local_path
    assert all(entry["tarball_sha512"].startswith("sha512-") for entry in manifest)


async def test_only_the_vendored_files_are_served(settings: Settings) -> None:
    import httpx

    app = create_app(settings.model_copy(update={"graphiql": True}))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://api.test") as http:
        [asset, *_] = sorted(vendored_assets())
        served = await http.get(f"{STATIC_PREFIX}/{asset}")
        assert served.status_code == 200 and served.headers["content-type"].startswith("text/")
        for other in (
            "MANIFEST.json",
            "../graphiql_offline.py",
            "react@18.2.0/package.json",
            "%2e%2e/app.py",
        ):
            assert (await http.get(f"{STATIC_PREFIX}/{other}")).status_code == 404, other
    off = create_app(settings)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=off), base_url="http://api.test") as http:
        assert (await http.get(f"{STATIC_PREFIX}/{asset}")).status_code == 404


def test_with_a_file_missing_graphiql_refuses_to_start_naming_the_command(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    import api.graphiql_offline as offline

    installed = offline.vendored_assets()
    missing = "graphiql@0.0.0/not-installed.js"
    monkeypatch.setattr(offline, "vendored_assets", lambda: installed | {missing})
    with pytest.raises(GraphiQLAssetMissing, match=rf"{re.escape(missing)} is not installed"):
        create_app(settings.model_copy(update={"graphiql": True}))
    create_app(settings)  # GraphiQL off: nothing needed
