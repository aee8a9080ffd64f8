"""The command-line interface: a thin caller of the services (Typer; Rich only in output.py)."""
