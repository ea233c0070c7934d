"""The web player's files, served at the root: index.html, sw.js, the manifest and the assets.

The player is plain ES modules with no build step. Its assets are served under
`/v/<version>/…`, where the version is a hash of every file of the web folder: those URLs
never change meaning, so browsers may keep them for a year, while `index.html`, `sw.js` and
the manifest (which name the version) are revalidated on every load. A new release therefore
changes `sw.js`, which is what starts the service worker's update flow.

`index.html` names every module the entry module (js/app.js) imports, directly or not, as a
`<link rel="modulepreload">`: the browser then asks for all of them at once, instead of a
level of imports at a time as it reads each one (on a phone's link, each level costs a round
trip). Modules that only some screens import (`import()`) are not named.

Text assets (scripts, styles, SVG) are sent gzipped to browsers that accept it, compressed once
per file and kept in memory: on a phone's link they are most of what the first start fetches.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import mimetypes
import re
from collections.abc import Iterable
from contextlib import suppress
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import BaseRoute, Route

from tonearm.api.deps import app_domains, app_settings
from tonearm.radio import url_origin
from tonearm.settings import Settings

WEB_ROOT = Path(__file__).resolve().parents[1] / "web"
VERSION_PLACEHOLDER = "__TONEARM_ASSET_VERSION__"
ASSET_LIST_PLACEHOLDER = "__TONEARM_ASSET_LIST__"
MODULE_PRELOADS_PLACEHOLDER = "__TONEARM_MODULE_PRELOADS__"
ENTRY_MODULE = "js/app.js"
# A static import or re-export of a relative module: `import … from "./x.js"`, `import "./x.js"`.
STATIC_IMPORT = re.compile(
    r'^[ \t]*(?:import|export)\b[^;"\'`()]*?\bfrom\s*["\'](\.{1,2}/[^"\']+)["\']'
    r'|^[ \t]*import\s*["\'](\.{1,2}/[^"\']+)["\']',
    re.MULTILINE,
)
IMMUTABLE = "public, max-age=31536000, immutable"
COMPRESSED_SUFFIXES = frozenset({".js", ".css", ".svg", ".json", ".webmanifest"})
REVALIDATE = "no-cache"
# The page talks only to its own origin; art may be redirected to a bucket (https). Media is
# narrower: the page's origin, the origins media URLs may lead to (media_origins) and the
# internet radio stations' streams, named one by one.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; "
    "img-src 'self' data: blob: https:; media-src {media}; "
    "connect-src 'self' https:; worker-src 'self'; manifest-src 'self'; "
    "object-src 'none'; base-uri 'self'; frame-ancestors 'none'"
)
# Where presigned URLs of AWS S3 lead when no endpoint is set (virtual-hosted buckets, any
# region): redirect mode sends the player's audio element there.
AWS_S3_ORIGINS = "https://*.amazonaws.com"


def media_origins(settings: Settings) -> frozenset[str]:
    """Origins other than the page's own that tonearm's media URLs may lead to: the public
    URL's (media URLs are joined to it) and, in redirect mode, the bucket's."""
    origins = set()
    if settings.public_url:
        origins.add(url_origin(settings.public_url))
    if settings.media_delivery == "redirect" and settings.resolved_storage_url.startswith("s3:"):
        endpoint = settings.s3_endpoint_url
        # An endpoint that is not http(s) gives no URL a browser follows: nothing to allow.
        with suppress(KeyError, ValueError):
            origins.add(url_origin(endpoint) if endpoint else AWS_S3_ORIGINS)
    return frozenset(origins)


def content_security_policy(origins: Iterable[str]) -> str:
    """The player page's policy, its media sources being 'self', blob: and `origins`."""
    return CONTENT_SECURITY_POLICY.format(media=" ".join(["'self'", "blob:", *sorted(origins)]))


# Files whose text names the asset version; served with it filled in, never cached.
TEMPLATED = {
    "index.html": "text/html",
    "sw.js": "text/javascript",
    "manifest.webmanifest": "application/manifest+json",
}

mimetypes.add_type("text/javascript", ".js")
mimetypes.add_type("application/manifest+json", ".webmanifest")


@dataclass(frozen=True)
class WebAssets:
    """The web folder on disk and the version hash of its contents."""

    root: Path

    @cached_property
    def version(self) -> str:
        """12 hex digits of SHA-256 over every file's path and bytes."""
        digest = hashlib.sha256()
        for path in sorted(p for p in self.root.rglob("*") if p.is_file()):
            digest.update(path.relative_to(self.root).as_posix().encode() + b"\0")
            digest.update(path.read_bytes())
        return digest.hexdigest()[:12]

    @cached_property
    def asset_names(self) -> list[str]:
        """Every file served under /v/<version>/ (what the service worker caches)."""
        return sorted(
            p.relative_to(self.root).as_posix()
            for p in self.root.rglob("*")
            if p.is_file() and p.name not in TEMPLATED
        )

    @cached_property
    def start_modules(self) -> list[str]:
        """The modules the entry module imports statically, directly or not (breadth first)."""
        entry = (self.root / ENTRY_MODULE).resolve()
        order = [entry]
        for module in order:
            if not module.is_file():
                continue
            for match in STATIC_IMPORT.finditer(module.read_text(encoding="utf-8")):
                imported = (module.parent / (match.group(1) or match.group(2))).resolve()
                if imported not in order and imported.is_relative_to(self.root):
                    order.append(imported)
        return [path.relative_to(self.root).as_posix() for path in order[1:] if path.is_file()]

    def templated(self, name: str) -> bytes:
        """A top-level file with the version, the asset list and the module preloads filled in."""
        text = (self.root / name).read_text(encoding="utf-8")
        text = text.replace(ASSET_LIST_PLACEHOLDER, json.dumps(self.asset_names))
        preloads = "\n  ".join(
            f'<link rel="modulepreload" href="v/{VERSION_PLACEHOLDER}/{module}">'
            for module in self.start_modules
        )
        text = text.replace(MODULE_PRELOADS_PLACEHOLDER, preloads)
        return text.replace(VERSION_PLACEHOLDER, self.version).encode()

    @cached_property
    def _gzipped(self) -> dict[Path, bytes]:
        return {}

    def gzipped(self, path: Path) -> bytes:
        """The file's bytes gzipped (compressed on first use, then kept)."""
        if path not in self._gzipped:
            self._gzipped[path] = gzip.compress(path.read_bytes(), compresslevel=6, mtime=0)
        return self._gzipped[path]

    def asset(self, relative: str) -> Path | None:
        """The file at `relative` inside the root, or None (missing, or outside it)."""
        candidate = (self.root / relative).resolve()
        if not candidate.is_relative_to(self.root) or not candidate.is_file():
            return None
        return candidate


def web_routes(root: Path = WEB_ROOT) -> list[BaseRoute]:
    """The routes that serve the player; mount them after every API route."""
    assets = WebAssets(root.resolve())

    async def index(request: Request) -> Response:
        settings = app_settings(request)
        stations = await app_domains(request).radio.media_origins()
        policy = content_security_policy(media_origins(settings) | stations)
        return Response(
            assets.templated("index.html"),
            media_type=TEMPLATED["index.html"],
            headers={
                "Cache-Control": REVALIDATE,
                "Content-Security-Policy": policy,
                "X-Content-Type-Options": "nosniff",
                "Referrer-Policy": "same-origin",
            },
        )

    async def service_worker(request: Request) -> Response:
        scope = (request.scope.get("root_path") or "") + "/"
        return Response(
            assets.templated("sw.js"),
            media_type=TEMPLATED["sw.js"],
            headers={"Cache-Control": REVALIDATE, "Service-Worker-Allowed": scope},
        )

    async def manifest(request: Request) -> Response:
        return Response(
            assets.templated("manifest.webmanifest"),
            media_type=TEMPLATED["manifest.webmanifest"],
            headers={"Cache-Control": REVALIDATE},
        )

    async def versioned(request: Request) -> Response:
        path = assets.asset(request.path_params["path"])
        if path is None or path.name in TEMPLATED:
            return Response("not found", status_code=404, media_type="text/plain")
        # A page from an older release may still ask for its version while it updates: it
        # gets today's file, but not for keeps.
        current = request.path_params["version"] == assets.version
        headers = {
            "Cache-Control": IMMUTABLE if current else REVALIDATE,
            "X-Content-Type-Options": "nosniff",
        }
        if path.suffix in COMPRESSED_SUFFIXES:
            headers["Vary"] = "Accept-Encoding"
            if "gzip" in request.headers.get("accept-encoding", "").lower():
                return Response(
                    assets.gzipped(path),
                    media_type=mimetypes.guess_type(path.name)[0],
                    headers={**headers, "Content-Encoding": "gzip"},
                )
        return FileResponse(path, headers=headers)

    return [
        Route("/", index, methods=["GET", "HEAD"], include_in_schema=False),
        Route("/index.html", index, methods=["GET", "HEAD"], include_in_schema=False),
        Route("/sw.js", service_worker, methods=["GET", "HEAD"], include_in_schema=False),
        Route("/manifest.webmanifest", manifest, methods=["GET", "HEAD"], include_in_schema=False),
        Route(
            "/v/{version}/{path:path}", versioned, methods=["GET", "HEAD"], include_in_schema=False
        ),
    ]


__all__ = [
    "WEB_ROOT",
    "WebAssets",
    "content_security_policy",
    "media_origins",
    "web_routes",
]
