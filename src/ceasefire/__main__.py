"""``python -m ceasefire``: the command line, as the ``ceasefire`` script runs it."""

from ceasefire.cli.main import app

app(prog_name="ceasefire")
