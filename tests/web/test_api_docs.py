"""/api/docs (Swagger UI) and /api/redoc (ReDoc) render the API's operations from assets
tonearm ships: every request the pages make goes to the server itself (they work offline)."""

from __future__ import annotations

from playwright.sync_api import Page, Request

from tests.web.conftest import RunningTonearm, screenshot, wait_until


def requests_of(page: Page) -> list[str]:
    seen: list[str] = []

    def record(request: Request) -> None:
        seen.append(request.url)

    page.on("request", record)
    return seen


def elsewhere(urls: list[str], server: RunningTonearm) -> list[str]:
    """The URLs that left the server (data: and blob: URLs stay in the page)."""
    return [url for url in urls if not url.startswith((server.url, "data:", "blob:"))]


def test_swagger_ui_renders_the_operations_from_the_server_alone(
    page: Page, server: RunningTonearm
) -> None:
    seen = requests_of(page)
    assert page.goto(server.url + "api/docs").status == 200  # type: ignore[union-attr]
    page.locator(".opblock").first.wait_for()
    assert page.locator(".opblock-summary-path", has_text="/api/auth/login").count() >= 1
    assert page.locator(".opblock").count() > 50
    assert any(url.endswith("/api/docs/assets/swagger-ui/swagger-ui-bundle.js") for url in seen)
    assert any(url.endswith("/api/openapi.json") for url in seen)
    assert elsewhere(seen, server) == []
    screenshot(page, "api-docs")


def test_redoc_renders_the_operations_from_the_server_alone(
    page: Page, server: RunningTonearm
) -> None:
    seen = requests_of(page)
    assert page.goto(server.url + "api/redoc").status == 200  # type: ignore[union-attr]
    count = wait_until(
        page,
        "() => document.querySelectorAll('[data-section-id^=\"operation/\"]').length",
        timeout_ms=60_000,
    )
    assert count > 50
    page.locator("[data-section-id^='operation/'] h2").filter(has_text="Login").first.wait_for(
        state="attached"
    )
    assert any(url.endswith("/api/docs/assets/redoc/redoc.standalone.js") for url in seen)
    assert elsewhere(seen, server) == []
    screenshot(page, "api-redoc")
