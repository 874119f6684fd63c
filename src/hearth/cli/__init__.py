"""The ``hearth`` command: option declarations that delegate to ``hearth.commands``. No logic of its own.

Each command module (``catalog``, ``build``, ``cluster``) declares its commands' options and help; a command's
body imports what it needs when it runs, so ``hearth validate`` loads the catalog and nothing of render, verify,
deploy or bootstrap. ``COMMANDS`` is the one list of what ``hearth`` offers, in the order ``--help`` shows.

``hearth NAME ...`` builds the click command of NAME alone (``Hearth.__call__``): typer makes a command's options
by reading its function's annotations, which for all sixteen commands cost ~15 ms of every run, a twentieth of
``hearth validate`` (issue 15). ``hearth``, ``hearth --help``, an unknown name and the test runner (which builds
the command itself, ``typer.main.get_command``) see every command.
"""

from __future__ import annotations

import copy
import sys
from collections.abc import Callable
from typing import Annotated, Any

import typer

from hearth import __version__
from hearth.cli import build, catalog, cluster


class Hearth(typer.Typer):
    """The ``hearth`` application: run with a command's name first, it builds that command's options only."""

    def for_words(self, words: list[str]) -> typer.Typer:
        """This application, or when ``words`` start with a command's name, a copy that registers that command
        alone (the same callback, settings and help: the command behaves and prints as it does among all)."""
        if not words or not any(command.name == words[0] for command in self.registered_commands):
            return self
        narrow = copy.copy(self)
        narrow.registered_commands = [command for command in self.registered_commands if command.name == words[0]]
        return narrow

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Run as click's ``main(args=None, prog_name=None, ...)``; ``args`` None means ``sys.argv[1:]``."""
        given = kwargs["args"] if "args" in kwargs else args[0] if args else None
        words = [str(word) for word in (sys.argv[1:] if given is None else given)]
        return typer.Typer.__call__(self.for_words(words), *args, **kwargs)


app = Hearth(
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
