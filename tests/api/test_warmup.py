"""``ceasefire serve`` folds the record as it starts, so the first visitor does not wait."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from ceasefire.api.app import create_app
from ceasefire.services import agreements, geography
from ceasefire.settings import Settings
from ceasefire.storage.keyfiles import write_key
from tests.record_factories import make_mechanism
from tests.report_bodies import allegation_body


def test_the_incidents_are_folded_before_any_request(database_url: str, tmp_path: Path) -> None:
    mechanism = make_mechanism(database_url, tmp_path / "data")
    try:
        for n in range(3):
            mechanism.submit("af_liaison", allegation_body(narrative=f"Strike number {n}"))
        config = Settings(data=tmp_path / "data", database_url=database_url)
        write_key(config.log_key_path, mechanism.log_key)
        geography.gazetteer.cache_clear()
        with TestClient(create_app(config, warm=True)) as client:
            app = client.app
            app.state.warm_up.join(timeout=60)  # type: ignore[attr-defined]
            context = app.state.context  # type: ignore[attr-defined]
            assert context.incidents.folded == mechanism.size()
            assert geography.gazetteer.cache_info().currsize == 1  # loaded for the agreement
            geography.gazetteer(agreements.require_in_force(context.store).agreement)
            assert geography.gazetteer.cache_info().hits == 1  # ... in force: found, not built
            assert client.get("/api/v1/incidents").status_code == 200
        with TestClient(create_app(config)) as client:  # what the tests' apps do: no thread
            assert client.app.state.warm_up is None  # type: ignore[attr-defined]
    finally:
        mechanism.close()
