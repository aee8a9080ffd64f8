"""``ceasefire serve``: the HTTP API (``/api/v1``, OpenAPI at ``/api/v1/openapi.json``)."""

from __future__ import annotations

from typing import Annotated

import typer

from ceasefire.cli import output
from ceasefire.cli.common import DatabaseOption, DataOption, settings


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[
        int, typer.Option(min=1, help="Worker processes (each opens its own connections).")
    ] = 1,
    data: DataOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """Serve the store over HTTP with uvicorn until interrupted (Ctrl-C)."""
    from ceasefire.api import serve as api_serve  # the web stack loads only when serving

    config = settings(data, database_url)
    site = f"http://{host}:{port}"
    base = f"{site}/api/v1"
    output.info(
        f"[bold]serving {config.data}[/]: the web interface at {site}/ (sign in with an API "
        f"token), the API at {base} — docs at {base}/docs, OpenAPI at {base}/openapi.json; "
        f"tokens come from `ceasefire tokens create ACTOR`"
    )
    api_serve.run(config, host=host, port=port, workers=workers)
