"""GET /share/{slug}: the public page of a share — plays its songs without an account.

HTML served by tonearm in the app's colours (light or dark, as the visitor's system prefers),
with the cover, the title and ONE player above the track list: a click on a track plays it,
and the next one follows when it ends. Nothing comes from elsewhere: the style and the small
script are inline and allowed by their hashes in a strict Content-Security-Policy; covers and
audio are signed, share-scoped media URLs. Without scripts the player still plays the first
song. An unknown or deleted share answers 404, an expired one 410, each with a short page
saying so.
"""

from __future__ import annotations

import base64
import hashlib
from html import escape

from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import Route

from tonearm.api.deps import app_domains, app_settings, public_base_url
from tonearm.sharing import OpenedShare, ShareExpired, ShareNotFound

_STYLE = """
:root{--bg:#f6f6f4;--panel:#fff;--raised:#ececea;--text:#1b1d21;--muted:#555b66;
--accent:#f2a541;--accent-text:#14161a;--mark:#8a4b00;--focus:#005fcc;color-scheme:light}
@media (prefers-color-scheme:dark){:root{--bg:#14161a;--panel:#1d2026;--raised:#262a31;
--text:#ececec;--muted:#a9afb9;--mark:#f2a541;--focus:#7cc4ff;color-scheme:dark}}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--text);line-height:1.4;
font:15px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif}
main{max-width:46rem;margin:0 auto;padding:24px 16px 32px}
:focus-visible{outline:3px solid var(--focus);outline-offset:2px}
.hero{display:flex;gap:20px;align-items:flex-end;flex-wrap:wrap;margin-bottom:20px}
.cover{width:200px;height:200px;border-radius:12px;object-fit:cover;background:var(--raised);
box-shadow:0 8px 24px rgba(0,0,0,.25);flex:none}
.placeholder{display:flex;align-items:center;justify-content:center;font-size:64px;
color:var(--muted)}
.hero div{flex:1 1 240px;min-width:0}
.kicker{margin:0;text-transform:uppercase;font-size:12px;letter-spacing:.08em;color:var(--muted)}
h1{font-size:28px;line-height:1.15;margin:4px 0 6px;overflow-wrap:anywhere}
.meta{color:var(--muted);font-size:14px;margin:0}
audio{width:100%;margin:8px 0 16px}
.tracks{list-style:none;margin:0;padding:0;background:var(--panel);border-radius:12px;overflow:hidden}
.track{display:grid;grid-template-columns:32px 1fr auto;gap:12px;align-items:center;width:100%;
min-height:56px;padding:8px 14px;border:0;border-bottom:1px solid var(--raised);
background:none;color:inherit;font:inherit;text-align:left;cursor:pointer}
li:last-child .track{border-bottom:0}
.track:hover{background:var(--raised)}
.track .n{color:var(--muted);text-align:right;font-variant-numeric:tabular-nums}
.track .t{min-width:0}
.track .t strong,.track .t span{display:block;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.track .t span{color:var(--muted);font-size:13px}
.track .len{color:var(--muted);font-variant-numeric:tabular-nums}
.track[aria-current="true"] strong,.track[aria-current="true"] .n{color:var(--mark)}
footer{color:var(--muted);font-size:13px;margin-top:24px;text-align:center}
@media (max-width:480px){.hero{flex-direction:column;align-items:flex-start}.hero div{flex:none}
.cover{width:100%;height:auto;aspect-ratio:1}h1{font-size:24px}}
"""

# One player for the whole list: a click plays that track, the next follows at its end.
_SCRIPT = """
(() => {
  const audio = document.getElementById("player");
  const tracks = [...document.querySelectorAll(".track")];
  const cover = document.getElementById("cover");
  const now = document.getElementById("now-playing");
  let current = 0;
  const play = (index, start) => {
    const track = tracks[index];
    if (!track) return;
    current = index;
    tracks.forEach((other) => other.setAttribute("aria-current", String(other === track)));
    if (audio.getAttribute("src") !== track.dataset.src) audio.src = track.dataset.src;
    if (cover && track.dataset.art && cover.getAttribute("src") !== track.dataset.art) {
      cover.src = track.dataset.art;
      cover.alt = "Cover of " + track.dataset.album;
    }
    if (start) audio.play().catch(() => {});
  };
  audio.addEventListener("playing", () => { now.textContent = "Playing " + tracks[current].dataset.title; });
  tracks.forEach((track, index) => track.addEventListener("click", () => play(index, true)));
  audio.addEventListener("ended", () => play(current + 1, true));
  if (tracks.length) play(0, false);
})();
"""


def _csp_hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


# Nothing but our own media, this style and this script; no referrer leaks the slug onwards.
PAGE_HEADERS = {
    "Content-Security-Policy": (
        f"default-src 'none'; script-src {_csp_hash(_SCRIPT)}; style-src {_csp_hash(_STYLE)}; "
        "media-src 'self' https: http:; img-src 'self' https: http: data:; base-uri 'none'; "
        "form-action 'none'; frame-ancestors 'none'"
    ),
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "X-Robots-Tag": "noindex, nofollow",
    "X-Content-Type-Options": "nosniff",
}

_KIND_NAMES = {
    "song": "Shared song",
    "album": "Shared album",
    "playlist": "Shared playlist",
    "songs": "Shared songs",
}


def share_url(base_url: str, slug: str) -> str:
    """The public link of the share with `slug`, on `base_url` (no trailing slash)."""
    return f"{base_url}/share/{slug}"


def _page(title: str, body: str, script: bool = False) -> str:
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="color-scheme" content="light dark">'
        # An empty icon: browsers otherwise ask for /favicon.ico, which is not served (404).
        '<link rel="icon" href="data:,">'
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head>"
        f"<body><main>{body}<footer>Shared from tonearm</footer></main>"
        + (f"<script>{_SCRIPT}</script>" if script else "")
        + "</body></html>\n"
    )


def _minutes(duration_ms: int) -> str:
    total = (duration_ms + 500) // 1000
    return f"{total // 60}:{total % 60:02d}"


def _count(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def render_share_page(opened: OpenedShare, base_url: str) -> str:
    """The page of an open share: cover, title, who shared it, one player and its tracks."""
    share = opened.share
    songs = opened.songs
    albums = {song.album for song in songs}
    one_album = albums.pop() if len(albums) == 1 else None
    title = share.description or one_album or f"Songs shared by {share.owner_username}"
    pictured = next((song for song in songs if song.art_path), None)
    cover = (
        f'<img id="cover" class="cover" src="{escape(base_url + pictured.art_path)}" '
        f'alt="Cover of {escape(pictured.album or pictured.title)}" width="200" height="200">'
        if pictured and pictured.art_path
        else '<div class="cover placeholder" aria-hidden="true">♪</div>'
    )
    total_ms = sum(song.duration_ms for song in songs)
    facts = [f"Shared by {escape(share.owner_username)}", _count(len(songs), "song")]
    if songs:
        facts.append(f"{round(total_ms / 60000) or 1} min")
    expiry = (
        f'<p class="meta">Available until {escape(share.expires_at.strftime("%Y-%m-%d %H:%M UTC"))}.</p>'
        if share.expires_at
        else ""
    )
    items = "".join(
        '<li><button type="button" class="track" data-src="{src}" data-title="{title}"{art}>'
        '<span class="n">{n}</span><span class="t"><strong>{title}</strong>'
        '<span>{artists}{album}</span></span><span class="len">{length}</span></button></li>'.format(
            n=index,
            title=escape(song.title),
            artists=escape(", ".join(song.artists) or "Unknown artist"),
            album=f" — {escape(song.album)}" if song.album else "",
            length=_minutes(song.duration_ms),
            src=escape(base_url + song.audio_path),
            art=(
                f' data-art="{escape(base_url + song.art_path)}" '
                f'data-album="{escape(song.album or song.title)}"'
                if song.art_path
                else ""
            ),
        )
        for index, song in enumerate(songs, start=1)
    )
    hero = (
        f'<header class="hero">{cover}<div><p class="kicker">'
        f"{escape(_KIND_NAMES.get(str(share.kind), 'Shared music'))}</p>"
        f'<h1>{escape(title)}</h1><p class="meta">{" · ".join(facts)}</p>{expiry}</div></header>'
    )
    if not songs:
        return _page(title, hero + "<p>None of these songs can be played any more.</p>")
    first = escape(base_url + songs[0].audio_path)
    player = (
        f'<audio id="player" controls preload="none" src="{first}" '
        'aria-label="Player"></audio><p id="now-playing" class="meta" role="status"></p>'
    )
    tracks = f'<ol class="tracks" aria-label="Songs">{items}</ol>'
    return _page(title, hero + player + tracks, script=True)


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
