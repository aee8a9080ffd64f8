"""The HTTP API is a public surface: clients are generated from its OpenAPI document.

The snapshot in ``openapi.json`` is the document the app serves; a change to it (a route, a
parameter, a schema, a documented answer) must be deliberate: regenerate it with
``CEASEFIRE_UPDATE_SNAPSHOTS=1`` and say so in the change's notes.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from ceasefire.api.app import create_app
from ceasefire.settings import Settings
from tests.api.conftest import TestClient

SNAPSHOT = Path(__file__).with_name("openapi.json")


def test_the_openapi_document_matches_the_snapshot(tmp_path: Path) -> None:
    # not started (no `with`): the document needs no store
    client = TestClient(create_app(Settings(data=tmp_path)))
    current = client.get("/api/v1/openapi.json").json()
    if os.environ.get("CEASEFIRE_UPDATE_SNAPSHOTS") == "1":
        text = json.dumps(current, indent=2, ensure_ascii=False) + "\n"
        SNAPSHOT.write_text(text, encoding="utf-8")
    assert current == json.loads(SNAPSHOT.read_text(encoding="utf-8")), (
        "the OpenAPI document changed: if deliberate, regenerate the snapshot with "
        "CEASEFIRE_UPDATE_SNAPSHOTS=1"
    )
