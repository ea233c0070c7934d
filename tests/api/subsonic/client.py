"""A small Subsonic client for tests: builds the auth parameters, checks the envelope."""

from __future__ import annotations

import hashlib
import secrets
from typing import Any, Literal

import httpx

from tests.api.subsonic.openapi import assert_valid_openapi_json
from tests.api.subsonic.validate import assert_valid_json, assert_valid_jsonp, assert_valid_xml

Auth = Literal["password", "enc", "token", "none"]


class SubsonicClient:
    """Calls `/rest/<method>.view` as one user over any httpx client (ASGI or real)."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        username: str,
        password: str,
        *,
        api_key: str | None = None,
        client_name: str = "tonearm-tests",
        validate: bool = True,
    ) -> None:
        self.http = http
        self.username = username
        self.password = password
        self.api_key = api_key
        self.client_name = client_name
        # Every document answer is checked against the Subsonic + OpenSubsonic XSD, and every
        # JSON one against the OpenSubsonic specification's OpenAPI schemas too.
        self.validate = validate

    def auth_params(self, auth: Auth = "password") -> dict[str, str]:
        """The credentials part of a request, in the asked scheme (API key when set)."""
        base = {"v": "1.16.1", "c": self.client_name}
        if self.api_key is not None:
            return base | {"apiKey": self.api_key}
        if auth == "none":
            return base
        if auth == "password":
            return base | {"u": self.username, "p": self.password}
        if auth == "enc":
            return base | {"u": self.username, "p": "enc:" + self.password.encode().hex()}
        salt = secrets.token_hex(6)
        token = hashlib.md5((self.password + salt).encode(), usedforsecurity=False).hexdigest()
        return base | {"u": self.username, "t": token, "s": salt}

    async def request(
        self,
        method: str,
        params: dict[str, Any] | list[tuple[str, Any]] | None = None,
        *,
        fmt: str = "json",
        auth: Auth = "password",
        http_method: str = "GET",
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        """The raw HTTP answer to one call (GET query string or POST form body)."""
        items: list[tuple[str, Any]] = list(self.auth_params(auth).items())
        if fmt != "xml":
            items.append(("f", fmt))
        if isinstance(params, dict):
            for name, value in params.items():
                if isinstance(value, list | tuple):
                    items.extend((name, item) for item in value)
                else:
                    items.append((name, value))
        elif params:
            items.extend(params)
        url = f"/rest/{method}.view"
        if http_method == "POST":
            response = await self.http.post(url, data=_form(items), headers=headers)
        else:
            response = await self.http.request(http_method, url, params=items, headers=headers)
        if self.validate:
            check_against_schema(response)
        return response

    async def call(
        self,
        method: str,
        params: dict[str, Any] | list[tuple[str, Any]] | None = None,
        **options: Any,
    ) -> dict[str, Any]:
        """The `subsonic-response` object of a successful JSON call (fails the test else)."""
        response = await self.request(method, params, **options)
        assert response.status_code == 200, response.text
        document = response.json()["subsonic-response"]
        assert document["status"] == "ok", document
        return document  # type: ignore[no-any-return]

    async def fail(
        self,
        method: str,
        params: dict[str, Any] | list[tuple[str, Any]] | None = None,
        **options: Any,
    ) -> dict[str, Any]:
        """The `error` object of a failed JSON call (fails the test if it succeeded)."""
        response = await self.request(method, params, **options)
        assert response.status_code == 200, response.text
        document = response.json()["subsonic-response"]
        assert document["status"] == "failed", document
        return document["error"]  # type: ignore[no-any-return]


def check_against_schema(response: httpx.Response) -> None:
    """Validate a Subsonic document answer (XML, JSON or JSONP) against the extended XSD, and
    a JSON or JSONP one against the OpenSubsonic OpenAPI schema of its method; media answers
    (audio, images) pass untouched."""
    kind = response.headers.get("content-type", "")
    if response.request.method == "HEAD" or response.status_code != 200:
        return
    method = subsonic_method(response.request.url.path)
    if kind.startswith("text/xml"):
        assert_valid_xml(response.content)
    elif kind.startswith("application/json"):
        document = response.json()
        assert_valid_json(document)
        assert_valid_openapi_json(method, document)
    elif kind.startswith("application/javascript"):
        callback = response.content.split(b"(", 1)[0].decode()
        assert_valid_openapi_json(method, assert_valid_jsonp(response.content, callback))


def subsonic_method(path: str) -> str:
    """`getAlbum` from `/rest/getAlbum.view` or `/rest/getAlbum`."""
    return path.rsplit("/", 1)[-1].removesuffix(".view")


def _form(items: list[tuple[str, Any]]) -> dict[str, list[str]]:
    form: dict[str, list[str]] = {}
    for name, value in items:
        form.setdefault(name, []).append(str(value))
    return form
