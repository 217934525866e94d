"""GraphiQL without the internet: strawberry's GraphiQL page loads React and GraphiQL from a public
CDN, which eHealth's internal networks often cannot reach. The page is served with those URLs pointing
at copies the API serves itself (`/graphql/static/…`), installed and checked against the registry by
build_tools/vendor_graphiql.py. The page's integrity attributes stay: the browser checks our copies
against the same hashes it would check the CDN's against."""

from __future__ import annotations

import json
import re
from functools import cache
from importlib import resources

from fastapi import APIRouter, HTTPException, Response

STATIC_PREFIX = "/graphql/static"
_CDN_URL = re.compile(r'(?P<attribute>src|href)="https://unpkg\.com/(?P<asset>[^"]+)"')
_MEDIA_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}


class GraphiQLAssetMissing(RuntimeError):
    """The page names a file that is not installed: run build_tools/vendor_graphiql.py."""


@cache
def vendored_assets() -> frozenset[str]:
    """`package@version/path` of every installed file, from the manifest."""
    manifest = resources.files("api").joinpath("graphiql_static", "MANIFEST.json")
    entries = json.loads(manifest.read_text(encoding="utf-8"))
    return frozenset(f"{entry['package']}@{entry['version']}/{entry['path']}" for entry in entries)


def offline_page(html: str) -> str:
    """The GraphiQL page with every CDN URL replaced by the API's own copy of the same file."""

    def local(match: re.Match[str]) -> str:
        asset = match["asset"]
        if asset not in vendored_assets():
            raise GraphiQLAssetMissing(
                f"GraphiQL needs {asset}, which is not vendored: run `python -m build_tools.vendor_graphiql`"
            )
        return f'{match["attribute"]}="{STATIC_PREFIX}/{asset}"'

    return _CDN_URL.sub(local, html)


def check_installed(page: str) -> None:
    """At start-up, with GraphiQL on: every file the page needs is installed, or a clear error."""
    offline_page(page)
    for asset in vendored_assets():
        if not resources.files("api").joinpath("graphiql_static", *asset.split("/")).is_file():
            raise GraphiQLAssetMissing(
                f"GraphiQL's {asset} is not installed: run `python -m build_tools.vendor_graphiql` "
                "(make install does), or set UNZR_SYNC_GRAPHIQL=false"
            )


def _read_asset(asset: str) -> bytes:
    if asset not in vendored_assets():
        raise HTTPException(404)
    path = resources.files("api").joinpath("graphiql_static", *asset.split("/"))
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise HTTPException(404) from None


def static_router() -> APIRouter:
    router = APIRouter()

    @router.get(STATIC_PREFIX + "/{asset:path}", include_in_schema=False)
    def graphiql_asset(asset: str) -> Response:
        suffix = asset[asset.rfind(".") :]
        return Response(
            _read_asset(asset),
            media_type=_MEDIA_TYPES.get(suffix, "application/octet-stream"),
            # Versioned paths never change content.
            headers={"Cache-Control": "public, max-age=31536000, immutable"},
        )

    return router
