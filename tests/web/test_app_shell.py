"""The installable app: what tonearm serves at /, the manifest and its icons, the service
worker's headers, and that everything the page needs comes from tonearm itself."""

from __future__ import annotations

import io
import json
import re
import shutil
from pathlib import Path

import httpx
from PIL import Image
from playwright.sync_api import Page

from tests.web.conftest import RunningTonearm, screenshot
from tonearm.api.webapp import WEB_ROOT, WebAssets


def asset_version(server: RunningTonearm) -> str:
    match = re.search(r'data-version="([0-9a-f]{12})"', httpx.get(server.direct + "/").text)
    assert match, "index.html names no asset version"
    return match.group(1)


def test_index_is_revalidated_and_locked_to_this_origin(server: RunningTonearm) -> None:
    response = httpx.get(server.direct + "/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["cache-control"] == "no-cache"
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "default-src 'self'" in policy
    assert "__TONEARM" not in response.text


def test_versioned_assets_are_immutable_and_others_revalidate(server: RunningTonearm) -> None:
    version = asset_version(server)
    current = httpx.get(f"{server.direct}/v/{version}/js/app.js")
    assert current.status_code == 200
    assert current.headers["content-type"].startswith("text/javascript")
    assert "immutable" in current.headers["cache-control"]
    older = httpx.get(f"{server.direct}/v/000000000000/js/app.js")
    assert older.status_code == 200 and older.headers["cache-control"] == "no-cache"
    assert httpx.get(f"{server.direct}/v/{version}/../../pyproject.toml").status_code == 404
    assert httpx.get(f"{server.direct}/v/{version}/sw.js").status_code == 404


def test_scripts_and_styles_are_sent_gzipped_to_browsers_that_accept_it(
    server: RunningTonearm,
) -> None:
    version = asset_version(server)
    for name, media_type in (("js/app.js", "text/javascript"), ("css/app.css", "text/css")):
        on_disk = (WEB_ROOT / name).read_bytes()
        url = f"{server.direct}/v/{version}/{name}"
        zipped = httpx.get(url, headers={"Accept-Encoding": "gzip"})
        assert zipped.headers.get("content-encoding") == "gzip", name
        assert zipped.headers["content-type"].startswith(media_type)
        assert zipped.headers["vary"] == "Accept-Encoding"
        assert "immutable" in zipped.headers["cache-control"]
        assert int(zipped.headers["content-length"]) < len(on_disk) / 2, name
        assert zipped.content == on_disk  # httpx decodes it
        plain = httpx.get(url, headers={"Accept-Encoding": "identity"})
        assert "content-encoding" not in plain.headers
        assert plain.content == on_disk


def test_service_worker_is_served_from_the_root_and_never_cached(server: RunningTonearm) -> None:
    response = httpx.get(server.direct + "/sw.js")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/javascript")
    assert response.headers["cache-control"] == "no-cache"
    assert response.headers["service-worker-allowed"] == "/"
    listed = json.loads(re.search(r"const ASSETS = (\[.*?\]);", response.text).group(1))
    on_disk = sorted(
        p.relative_to(WEB_ROOT).as_posix()
        for p in WEB_ROOT.rglob("*")
        if p.is_file() and p.name not in {"index.html", "sw.js", "manifest.webmanifest"}
    )
    assert listed == on_disk
    version = asset_version(server)
    for name in listed:
        assert httpx.get(f"{server.direct}/v/{version}/{name}").status_code == 200, name


def test_manifest_is_valid_and_its_icons_load(server: RunningTonearm) -> None:
    response = httpx.get(server.direct + "/manifest.webmanifest")
    assert response.headers["content-type"].startswith("application/manifest+json")
    manifest = response.json()
    for key in (
        "name",
        "short_name",
        "start_url",
        "scope",
        "display",
        "icons",
        "theme_color",
        "background_color",
    ):
        assert manifest.get(key), key
    assert manifest["display"] in ("standalone", "fullscreen", "minimal-ui")
    sizes = set()
    for icon in manifest["icons"]:
        image = httpx.get(f"{server.direct}/{icon['src']}")
        assert image.status_code == 200, icon["src"]
        if icon["type"] == "image/png":
            width, height = Image.open(io.BytesIO(image.content)).size
            assert f"{width}x{height}" == icon["sizes"]
            sizes.add((width, icon.get("purpose", "any")))
    # Installability needs 192 and 512 px icons; Android's adaptive icons want a maskable one.
    assert {(192, "any"), (512, "any"), (512, "maskable")} <= sizes


def test_the_page_preloads_exactly_the_modules_its_start_loads(
    app: Page, server: RunningTonearm
) -> None:
    # index.html names the start's modules as modulepreloads, so the browser asks for them all
    # at once instead of a level of imports at a time; rarely used screens load on first use.
    version = asset_version(server)
    index = httpx.get(server.direct + "/").text
    preloaded = set(re.findall(rf'<link rel="modulepreload" href="v/{version}/([^"]+)">', index))
    assert {"js/api.js", "js/views/home.js", "js/player/engine.js"} <= preloaded
    assert "js/views/admin.js" not in preloaded and "js/views/settings.js" not in preloaded
    loaded_js = f"""() => performance.getEntriesByType('resource').map((e) => new URL(e.name).pathname)
      .filter((p) => p.endsWith('.js')).map((p) => p.split('/v/{version}/')[1])"""
    assert set(app.evaluate(loaded_js)) == preloaded | {"js/app.js"}
    app.evaluate("() => { location.hash = '#/settings'; }")
    app.get_by_role("button", name="Sign out").wait_for()
    assert "js/views/settings.js" in app.evaluate(loaded_js)


def test_nothing_is_fetched_from_another_origin() -> None:
    offenders = []
    for path in WEB_ROOT.rglob("*"):
        if path.suffix not in {".html", ".js", ".css", ".webmanifest"}:
            continue
        text = path.read_text()
        for found in re.finditer(r"https?://[^\s\"'`)]+", text):
            url, before = found.group(), text[max(0, found.start() - 16) : found.start()]
            if url.startswith("http://www.w3.org/2000/svg"):
                continue  # the SVG namespace name, never fetched
            if before.endswith(('placeholder: "', 'href: "')):
                continue  # an example in a field, or a link the user follows: never fetched
            offenders.append(f"{path.relative_to(WEB_ROOT)}: {url}")
    assert offenders == []


def test_the_web_folder_ships_in_the_wheel() -> None:
    pyproject = (Path(__file__).parents[2] / "pyproject.toml").read_text()
    assert '"web/**/*"' in pyproject


def test_the_service_worker_serves_the_app_shell(app: Page, server: RunningTonearm) -> None:
    app.wait_for_function(
        "() => navigator.serviceWorker.controller !== null || navigator.serviceWorker.ready.then(() => true)"
    )
    app.evaluate("() => navigator.serviceWorker.ready")
    cached = app.evaluate(
        """async () => {
          const names = await caches.keys();
          const shell = names.find((n) => n.startsWith('tonearm-shell-'));
          const cache = await caches.open(shell);
          return {shell, count: (await cache.keys()).length};
        }"""
    )
    assert cached["shell"] == f"tonearm-shell-{asset_version(server)}"
    assert cached["count"] >= 30
    screenshot(app, "library-songs")


def test_a_changed_file_changes_the_version_and_so_the_service_worker(tmp_path: Path) -> None:
    # A new release must change sw.js's bytes: that is what makes browsers install the new
    # worker and the page offer "Update ready".
    root = tmp_path / "web"
    shutil.copytree(WEB_ROOT, root)
    before = WebAssets(root)
    worker_before = before.templated("sw.js")
    (root / "css" / "app.css").write_text((root / "css" / "app.css").read_text() + "\n/* next */\n")
    after = WebAssets(root)
    assert after.version != before.version
    assert after.templated("sw.js") != worker_before
    assert "tonearm-shell-${VERSION}" in after.templated("sw.js").decode()
    assert after.version.encode() in after.templated("index.html")
