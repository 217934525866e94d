"""Installs the scripts and styles of strawberry's GraphiQL page into `api/graphiql_static/`, so the
API serves GraphiQL without the internet (api/graphiql_offline.py). `make install` runs it; the files
are build products (not committed), their versions and hashes are: `api/graphiql_static/MANIFEST.json`.

Reproducible: the page of the installed strawberry names each file by package, pinned version and
path, with its SHA-384 (subresource integrity). For each package this fetches the registry's tarball
from the npm registry (plain HTTPS, no npm needed; `NPM_CONFIG_REGISTRY` names a mirror), checks it against the registry's own SHA-512 (`dist.integrity`) and against the one
the manifest recorded, takes the named file out of it and checks it against the page's SHA-384. A file
already in place with the right hash is kept, so a second run needs no network. After upgrading
strawberry, run it again and commit the manifest's changes:

    .venv/bin/python -m build_tools.vendor_graphiql
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import sys
import tarfile
import tempfile
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

STATIC_DIR = Path(__file__).resolve().parent.parent / "api" / "graphiql_static"
MANIFEST = "MANIFEST.json"
# `src="https://unpkg.com/<package>@<version>/<path>"` followed by its `integrity="sha384-…"`.
ASSET = re.compile(
    r'(?:src|href)="https://unpkg\.com/(?P<package>(?:@[^/"]+/)?[^@/"]+)@(?P<version>[^/"]+)/(?P<path>[^"]+)"'
    r'\s+integrity="(?P<integrity>sha384-[^"]+)"'
)


@dataclass(frozen=True)
class Asset:
    package: str
    version: str
    path: str
    integrity: str

    @property
    def local_path(self) -> str:
        return f"{self.package}@{self.version}/{self.path}"


def assets_of_page(html: str) -> list[Asset]:
    return [Asset(m["package"], m["version"], m["path"], m["integrity"]) for m in ASSET.finditer(html)]


def sri(algorithm: str, data: bytes) -> str:
    return f"{algorithm}-{base64.b64encode(hashlib.new(algorithm, data).digest()).decode()}"


def strawberry_page() -> str:
    from strawberry.http.ides import get_graphql_ide_html

    return get_graphql_ide_html(graphql_ide="graphiql")


def _registry() -> str:
    # npm's own variable, so a mirror configured for npm serves this too; npm itself is not needed.
    return os.environ.get("NPM_CONFIG_REGISTRY", "https://registry.npmjs.org/").rstrip("/")


def _fetch(url: str) -> bytes:
    if not url.startswith(("https://", "http://")):
        raise SystemExit(f"refusing to fetch {url!r}: not an http(s) URL")
    with urllib.request.urlopen(url, timeout=60) as answer:  # noqa: S310 (scheme checked above)
        data: bytes = answer.read()
    return data


def registry_dist(package: str, version: str) -> tuple[str, str]:
    """The tarball URL and SHA-512 integrity the registry publishes for one version of a package."""
    name = package.replace("/", "%2f")
    document = json.loads(_fetch(f"{_registry()}/{name}/{urllib.parse.quote(version)}"))
    return document["dist"]["tarball"], document["dist"]["integrity"]


def recorded_tarballs(target: Path) -> dict[str, str]:
    """package@version -> the tarball SHA-512 the committed manifest records."""
    manifest = target / MANIFEST
    if not manifest.exists():
        return {}
    entries = json.loads(manifest.read_text(encoding="utf-8"))
    return {f"{entry['package']}@{entry['version']}": entry["tarball_sha512"] for entry in entries}


def vendor(target: Path = STATIC_DIR) -> list[dict[str, str]]:
    assets = assets_of_page(strawberry_page())
    if not assets:
        raise SystemExit("no unpkg asset with integrity found in strawberry's GraphiQL page")
    recorded = recorded_tarballs(target)
    manifest = []
    with tempfile.TemporaryDirectory() as work:
        workdir = Path(work)
        tarballs: dict[str, tuple[Path, str]] = {}
        for asset in assets:
            spec = f"{asset.package}@{asset.version}"
            destination = target / asset.local_path
            if destination.exists() and sri("sha384", destination.read_bytes()) == asset.integrity:
                if spec not in recorded:
                    raise SystemExit(f"{spec}: in place but not in {MANIFEST}; delete it and run again")
                manifest.append(_entry(asset, recorded[spec]))
                continue
            if spec not in tarballs:
                tarball_url, registry_integrity = registry_dist(asset.package, asset.version)
                if recorded.get(spec, registry_integrity) != registry_integrity:
                    raise SystemExit(f"{spec}: the registry's dist.integrity differs from {MANIFEST}")
                tarball = workdir / f"{len(tarballs)}.tgz"
                tarball.write_bytes(_fetch(tarball_url))
                if sri("sha512", tarball.read_bytes()) != registry_integrity:
                    raise SystemExit(f"{spec}: the tarball does not match the registry's dist.integrity")
                tarballs[spec] = (tarball, registry_integrity)
            tarball, registry_integrity = tarballs[spec]
            with tarfile.open(tarball) as archive:
                member = archive.extractfile(f"package/{asset.path}")
                if member is None:
                    raise SystemExit(f"{spec}: no file {asset.path} in the tarball")
                data = member.read()
            if sri("sha384", data) != asset.integrity:
                raise SystemExit(f"{spec}/{asset.path}: not the file the page's integrity names")
            destination.parent.mkdir(parents=True, exist_ok=True)
            destination.write_bytes(data)
            manifest.append(_entry(asset, registry_integrity))
    (target / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return manifest


def _entry(asset: Asset, tarball_sha512: str) -> dict[str, str]:
    return {
        "package": asset.package,
        "version": asset.version,
        "path": asset.path,
        "sha384": asset.integrity,
        "tarball_sha512": tarball_sha512,
    }


if __name__ == "__main__":
    for entry in vendor():
        print(f"{entry['package']}@{entry['version']}/{entry['path']}  {entry['sha384']}", file=sys.stderr)
