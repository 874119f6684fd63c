"""The ``hearth`` command: option declarations that delegate to ``hearth.commands``. No logic of its own.

Each command module (``catalog``, ``build``, ``cluster``) declares its commands' options and help; a command's
body imports what it needs when it runs, so ``hearth validate`` loads the catalog and nothing of render, verify,
deploy or bootstrap. ``COMMANDS`` is the one list of what ``hearth`` offers, in the order ``--help`` shows.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

import typer

from hearth import __version__
from hearth.cli import build, catalog, cluster

app = typer.Typer(
    help="hearth: the platform as code. Describe the platform once; render, verify and deploy it.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

COMMANDS: list[tuple[str, Callable[..., Any]]] = [
    ("validate", catalog.validate),
    ("plan", catalog.plan),
    ("graph", catalog.graph),
    ("render", build.render),
    ("build", build.build),
    ("check", build.check),
    ("docs", build.docs),
    ("bootstrap", cluster.bootstrap),
    ("reach", build.reach),
    ("init", catalog.init),
    ("apply", cluster.apply),
    ("diff", cluster.diff),
    ("status", cluster.status),
    ("destroy", cluster.destroy),
    ("schema", catalog.schema),
    ("doctor", catalog.doctor),
]
for _name, _function in COMMANDS:
    app.command(_name)(_function)


def version_callback(value: bool) -> None:
    """Print the version for ``--version``."""
    if value:
        typer.echo(f"hearth {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[
        bool, typer.Option("--version", callback=version_callback, is_eager=True, help="Print the version.")
    ] = False,
) -> None:
    """hearth turns a typed catalog into manifests, charts and a helmfile, and proves what they promise."""
