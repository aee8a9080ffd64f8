"""The witness's view of the world over HTTP: the server it follows and its peers (httpx).

Every answer that is not what the witness asked for becomes :class:`Unreachable`, naming the
URL and the status, so a cycle can raise its alarm and cosign nothing. The client is passed in
(tests hand an in-process client of the app), so this module never opens a socket by itself
beyond what the caller chose.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

import httpx

from ceasefire.errors import CeasefireError
from ceasefire.log.note import NoteSignature

API: Final = "/api/v1"
TIMEOUT: Final = httpx.Timeout(30.0)


class Unreachable(CeasefireError):
    """The server or a peer did not answer as asked."""

    code = "unreachable"

    def __init__(self, message: str, *, url: str, status: int | None = None) -> None:
        super().__init__(message, field="url")
        self.url = url
        self.status = status


def api_base(url: str) -> str:
    """The API root of a server given as its site (``http://host:port``) or its API root."""
    base = url.rstrip("/")
    return base if base.endswith(API) else base + API


class Server:
    """The ceasefire server being followed: its log (C2SP tiles), its figures, its cosignatures."""

    def __init__(self, url: str, client: httpx.Client) -> None:
        self.url = api_base(url)
        self._client = client

    def _get(self, path: str, params: Mapping[str, Any] | None = None) -> httpx.Response:
        url = self.url + path
        try:
            response = self._client.get(url, params=params)
        except httpx.HTTPError as exc:
            raise Unreachable(f"GET {url}: {exc}", url=url) from exc
        if response.status_code != 200:
            raise Unreachable(
                f"GET {url}: HTTP {response.status_code}: {response.text[:300]}",
                url=url,
                status=response.status_code,
            )
        return response

    def checkpoint(self) -> str:
        return self._get("/log/checkpoint").text

    def tile(self, path: str) -> bytes:
        """A hash tile or entry bundle, ``path`` relative to the log (``tile/0/000``)."""
        return self._get(f"/log/{path}").content

    def entry_status(self, index: int) -> int:
        """The HTTP status of ``GET /log/entries/{index}``: 200 when the server holds it."""
        url = f"{self.url}/log/entries/{index}"
        try:
            return self._client.get(url).status_code
        except httpx.HTTPError as exc:
            raise Unreachable(f"GET {url}: {exc}", url=url) from exc

    def consistency(self, old: int, new: int) -> list[bytes]:
        document = self._get("/log/proof/consistency", {"old": old, "new": new}).json()
        return [base64.b64decode(h) for h in document["proof"]]

    def document(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        return self._get(path, params).json()

    def rendered(
        self, path: str, params: Mapping[str, Any], header: str
    ) -> tuple[bytes, str | None]:
        """A document as bytes, with one header's value (a rendered brief and its digest)."""
        response = self._get(path, params)
        return response.content, response.headers.get(header)

    def post_cosignature(self, size: int, signature: NoteSignature) -> None:
        """Send the cosignature back: ``POST /log/cosignatures`` (api.routes_witness)."""
        url = f"{self.url}/log/cosignatures"
        body = {"size": size, "cosignature": signature.to_line().rstrip("\n")}
        try:
            response = self._client.post(url, json=body)
        except httpx.HTTPError as exc:
            raise Unreachable(f"POST {url}: {exc}", url=url) from exc
        if response.status_code not in (200, 201):
            raise Unreachable(
                f"POST {url}: HTTP {response.status_code}: {response.text[:300]}",
                url=url,
                status=response.status_code,
            )


def peer_checkpoint(peer: str, client: httpx.Client) -> str:
    """The latest checkpoint a peer witness cosigned: ``GET <peer>/checkpoint`` of its
    ``--listen`` server, or a file (any channel the parties choose can carry it)."""
    if not peer.startswith(("http://", "https://")):
        path = Path(peer.removeprefix("file://"))
        try:
            return path.read_text(encoding="utf-8")
        except OSError as exc:
            raise Unreachable(f"peer checkpoint file {path}: {exc}", url=peer) from exc
    url = peer.rstrip("/")
    url = url if url.endswith("/checkpoint") else url + "/checkpoint"
    try:
        response = client.get(url)
    except httpx.HTTPError as exc:
        raise Unreachable(f"GET {url}: {exc}", url=url) from exc
    if response.status_code != 200:
        raise Unreachable(
            f"GET {url}: HTTP {response.status_code}", url=url, status=response.status_code
        )
    return response.text


def make_client() -> httpx.Client:
    return httpx.Client(timeout=TIMEOUT, follow_redirects=False)
