"""``ceasefire``: the command-line entry point. Each command group lives in its own module."""

from __future__ import annotations

from typing import Any

import typer
from typer.core import TyperGroup

from ceasefire.cli import (
    actors,
    agreement,
    brief,
    bundle,
    cases,
    client,
    db,
    demo,
    evidence,
    geo,
    incidents,
    init,
    interchange,
    log,
    meetings,
    penalties,
    rebuild,
    reports,
    scenario,
    serve,
    status,
    tokens,
    verify,
    witness,
)
from ceasefire.cli.common import exit_code
from ceasefire.cli.output import error
from ceasefire.errors import CeasefireError, InvalidInput


class _Root(TyperGroup):
    """Maps every CeasefireError raised below to one message on stderr and its exit code
    (``common.EXIT_CODES``), and a file that cannot be read or written (``--out`` into a
    folder that does not exist) to the same message an InvalidInput would give, rather than a
    traceback. (An input file that is not there is NotFound, said by the command that reads
    it: ``common.unreadable``.)"""

    def invoke(self, ctx: Any) -> Any:  # typer vendors click; its Context type is private
        try:
            return super().invoke(ctx)
        except CeasefireError as exc:
            error(str(exc))
            raise typer.Exit(exit_code(exc)) from exc
        except OSError as exc:
            if exc.filename is None:  # not about a file (a broken pipe, a socket): unexpected
                raise
            refused = InvalidInput(f"cannot use {exc.filename}: {exc.strerror}", field="file")
            error(str(refused))
            raise typer.Exit(exit_code(refused)) from exc


app = typer.Typer(
    rich_markup_mode=None,
    cls=_Root,
    name="ceasefire",
    help="Ceasefire monitoring, verification and enforcement on a signed, append-only Merkle log.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.command("init")(init.init)
app.command("verify")(verify.verify)
app.command("rebuild")(rebuild.rebuild)
app.command("demo")(demo.demo)
app.command("status")(status.status)
app.command("commitments")(status.commitments)
app.command("serve")(serve.serve)
app.command("witness")(witness.witness)
app.command("import")(interchange.import_)
app.command("export")(interchange.export)
app.command("brief")(brief.brief)
app.add_typer(actors.app, name="actors")
app.add_typer(agreement.app, name="agreement")
app.add_typer(reports.app, name="report")
app.add_typer(evidence.app, name="evidence")
app.add_typer(cases.app, name="case")
app.add_typer(cases.finding_app, name="finding")
app.add_typer(penalties.app, name="penalty")
app.add_typer(meetings.app, name="meeting")
app.add_typer(incidents.app, name="incident")
app.add_typer(geo.app, name="geo")
app.add_typer(scenario.app, name="scenario")
app.add_typer(log.app, name="log")
app.add_typer(bundle.app, name="bundle")
app.add_typer(db.app, name="db")
app.add_typer(tokens.app, name="tokens")
app.add_typer(client.app, name="event")


def run() -> None:
    app()
