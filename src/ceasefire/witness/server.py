"""The witness's ``--listen`` endpoints, on the standard library's threading HTTP server.

- ``GET /alarms``: every alarm recorded, as JSON (``{"count": n, "alarms": [...]}``), for a
  monitoring system to poll; the status is 200 either way, the count says whether to page.
- ``GET /checkpoint``: the latest checkpoint this witness cosigned of the log it follows, its
  cosignature attached: what peers fetch to detect a split view.
- ``POST /add-checkpoint``: C2SP tlog-witness (``protocol``), for the logs of ``origins``
  (``--witness-log``); the followed log is cosigned by the follower only.

A witness serves a handful of requests a minute; the standard library is enough and keeps the
witness free of the server's web stack.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Final

from ceasefire.log.keys import SigningKey
from ceasefire.witness.alarms import AlarmLog
from ceasefire.witness.protocol import add_checkpoint
from ceasefire.witness.state import LogState, StateFile

MAX_BODY: Final = 64 * 1024


def make_server(
    host: str,
    port: int,
    *,
    state: StateFile,
    alarms: AlarmLog,
    key: SigningKey,
    followed: Callable[[], LogState | None],
    clock: Callable[[], datetime],
    origins: Collection[str] = (),
) -> ThreadingHTTPServer:
    """A server bound to ``host:port`` (0 picks a free port); call ``serve_forever``."""

    class Handler(BaseHTTPRequestHandler):
        server_version = "ceasefire-witness"

        def log_message(self, format: str, *args: object) -> None:
            return None  # the CLI reports what matters; no access log on stderr

        def _send(self, status: int, body: str, content_type: str) -> None:
            data = body.encode()
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0].rstrip("/")
            if path == "/alarms":
                records = alarms.read()
                document = {"count": len(records), "alarms": records}
                self._send(200, json.dumps(document), "application/json")
            elif path == "/checkpoint":
                held = followed()
                if held is None or not held.note:
                    self._send(404, "no checkpoint cosigned yet\n", "text/plain; charset=utf-8")
                else:
                    self._send(200, held.note, "text/plain; charset=utf-8")
            else:
                self._send(404, f"no such path {path}\n", "text/plain; charset=utf-8")

        def do_POST(self) -> None:
            if self.path.split("?", 1)[0] != "/add-checkpoint":
                self._send(404, "no such path\n", "text/plain; charset=utf-8")
                return
            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_BODY:
                self._send(400, "the request body is too large\n", "text/plain; charset=utf-8")
                return
            reply = add_checkpoint(self.rfile.read(length), state, key, clock, origins)
            self._send(reply.status, reply.body, reply.content_type)

    return ThreadingHTTPServer((host, port), Handler)
