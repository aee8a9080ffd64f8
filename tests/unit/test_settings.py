"""Settings: environment first, flags override, loud failure on bad values."""

from __future__ import annotations

from pathlib import Path

import pytest

from ceasefire.errors import InvalidInput
from ceasefire.settings import Settings


def test_defaults_put_sqlite_in_the_data_folder(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CEASEFIRE_DATA", raising=False)
    monkeypatch.delenv("CEASEFIRE_DATABASE_URL", raising=False)
    settings = Settings.load()
    assert settings.data == Path("ceasefire-data")
    assert settings.resolved_database_url == "sqlite:///ceasefire-data/ceasefire.db"
    assert settings.log_key_path == Path("ceasefire-data/keys/log.key")


def test_environment_is_read_and_flags_override_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CEASEFIRE_DATA", "/srv/ceasefire")
    monkeypatch.setenv("CEASEFIRE_DATABASE_URL", "postgresql+psycopg://u@db/c")
    assert Settings.load().data == Path("/srv/ceasefire")
    assert Settings.load().resolved_database_url == "postgresql+psycopg://u@db/c"
    overridden = Settings.load(data=Path("/tmp/x"), database_url=None)
    assert overridden.data == Path("/tmp/x")
    assert overridden.database_url == "postgresql+psycopg://u@db/c"


def test_an_unsupported_database_is_refused_naming_the_setting() -> None:
    with pytest.raises(InvalidInput, match="not supported") as caught:
        Settings.load(database_url="mysql://root@localhost/x")
    assert caught.value.field == "database_url"


def test_an_unknown_setting_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(InvalidInput):
        Settings.load(colour="red")


def test_every_setting_is_documented_in_the_readme() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    for name in Settings.model_fields:
        assert f"`CEASEFIRE_{name.upper()}`" in readme, name
