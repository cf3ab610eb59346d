"""``python -m meute``: the command line."""

from meute.api.cli import app

app(prog_name="meute")
