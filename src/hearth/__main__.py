"""``python -m hearth``: the same as the ``hearth`` command."""

from hearth.cli import app

app(prog_name="hearth")
