"""Running the service with uvicorn: ``ceasefire serve`` calls :func:`run`.

Workers are separate processes, so each builds its app from the environment
(:func:`app_from_env`, a uvicorn app factory); :func:`run` puts the data folder and database
URL it was given into that environment first.
"""

from __future__ import annotations

import os

import uvicorn
from fastapi import FastAPI

from ceasefire import bootstrap
from ceasefire.api.app import create_app
from ceasefire.settings import Settings

FACTORY = "ceasefire.api.serve:app_from_env"


def app_from_env() -> FastAPI:
    """The app for the store the ``CEASEFIRE_…`` environment names, folding the record in the
    background as it starts."""
    return create_app(Settings(), warm=True)


def run(settings: Settings, *, host: str, port: int, workers: int) -> None:
    """Serve the store ``settings`` names; refuses at once if it cannot be opened."""
    bootstrap.open_store(settings).close()
    bootstrap.log_key(settings)  # receipts are signed with it: fail before listening
    os.environ["CEASEFIRE_DATA"] = str(settings.data)
    if settings.database_url is not None:
        os.environ["CEASEFIRE_DATABASE_URL"] = settings.database_url
    uvicorn.run(FACTORY, factory=True, host=host, port=port, workers=workers)
