"""GET /share/{slug}: the public page of a share — plays its songs without an account.

Plain HTML served by tonearm, no scripts and no outside assets: a list of songs, each
with an `<audio>` player whose source is a signed, share-scoped media URL. An unknown or
deleted share answers 404, an expired one 410, each with a short page saying so.
"""

from __future__ import annotations

from html import escape

from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route

from tonearm.api.deps import app_domains, app_settings, public_base_url
from tonearm.sharing import OpenedShare, ShareExpired, ShareNotFound

# Nothing but our own media and the inline style; no referrer leaks the slug onwards.
PAGE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; media-src 'self' https: http:; style-src 'unsafe-inline'; "
        "img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    ),
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "X-Robots-Tag": "noindex, nofollow",
    "X-Content-Type-Options": "nosniff",
}

_STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:42rem;margin:2rem auto;padding:0 1rem;"
    "color:#222;background:#fafafa}h1{font-size:1.4rem}ol{padding-left:1.2rem}"
    "li{margin:0 0 1.2rem}audio{width:100%;margin-top:.3rem}.meta{color:#666;font-size:.9rem}"
    "footer{color:#888;font-size:.8rem;margin-top:2rem}"
)


def share_url(base_url: str, slug: str) -> str:
    """The public link of the share with `slug`, on `base_url` (no trailing slash)."""
    return f"{base_url}/share/{slug}"


def _page(title: str, body: str) -> str:
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        # An empty icon: browsers otherwise ask for /favicon.ico, which is not served (404).
        '<link rel="icon" href="data:,">'
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head>"
        f"<body>{body}<footer>Shared from tonearm</footer></body></html>\n"
    )


def _minutes(duration_ms: int) -> str:
    total = (duration_ms + 500) // 1000
    return f"{total // 60}:{total % 60:02d}"


def render_share_page(opened: OpenedShare, base_url: str) -> str:
    """The page of an open share: its description, who shared it, its songs to play."""
    share = opened.share
    title = share.description or f"Songs shared by {share.owner_username}"
    items = "".join(
        '<li><strong>{title}</strong><div class="meta">{artists}{album} · {length}</div>'
        '<audio controls preload="none" src="{src}"></audio></li>'.format(
            title=escape(song.title),
            artists=escape(", ".join(song.artists) or "Unknown artist"),
            album=f" — {escape(song.album)}" if song.album else "",
            length=_minutes(song.duration_ms),
            src=escape(base_url + song.audio_path),
        )
        for song in opened.songs
    )
    expiry = (
        f'<p class="meta">Available until {escape(share.expires_at.strftime("%Y-%m-%d %H:%M UTC"))}.</p>'
        if share.expires_at
        else ""
    )
    songs = f"<ol>{items}</ol>" if items else "<p>None of these songs can be played any more.</p>"
    body = (
        f'<h1>{escape(title)}</h1><p class="meta">Shared by {escape(share.owner_username)}'
        f"</p>{expiry}{songs}"
    )
    return _page(title, body)


async def share_page(request: Request) -> HTMLResponse:
    """GET /share/{slug}: the share's page (counted as a visit), or why it is gone."""
    try:
        opened = await app_domains(request).sharing.open_share(request.path_params["slug"])
    except ShareExpired:
        return HTMLResponse(
            _page(
                "Share expired",
                "<h1>This share has expired</h1><p>Its songs can no "
                "longer be played. Ask the person who shared it for a new link.</p>",
            ),
            status_code=410,
            headers=PAGE_HEADERS,
        )
    except ShareNotFound:
        return HTMLResponse(
            _page(
                "Share not found",
                "<h1>No such share</h1><p>This link does not lead to "
                "a share: it may have been deleted, or mistyped.</p>",
            ),
            status_code=404,
            headers=PAGE_HEADERS,
        )
    base = public_base_url(request, app_settings(request).public_url)
    return HTMLResponse(render_share_page(opened, base), headers=PAGE_HEADERS)


SHARE_PAGE_ROUTE = Route("/share/{slug}", share_page, methods=["GET", "HEAD"], name="share_page")

__all__ = ["PAGE_HEADERS", "SHARE_PAGE_ROUTE", "render_share_page", "share_page", "share_url"]
