"""What every command shares to talk to a person: the two consoles, one error line and exit 2, loading the catalog.

Nothing here imports rich until a command prints rich text (a table, a coloured line): a command that prints plain
lines (``hearth validate``) never pays for it. Errors are plain text on stderr, one line each.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import typer

from hearth.catalog.yamlsource import CatalogError

if TYPE_CHECKING:
    from rich.console import Console

    from hearth.catalog.models import Catalog


def report_width() -> int | None:
    """Piped or in a log (make demo, CI), rich would assume 80 columns and wrap every report table: 120 then.
    A terminal's own width, or COLUMNS, wins."""
    return None if sys.stdout.isatty() or os.environ.get("COLUMNS") else 120


@cache
def out() -> Console:
    """The console of the results (stdout). Made once, on first use; it writes to whatever stdout is then."""
    from rich.console import Console

    return Console(highlight=False, soft_wrap=True, width=report_width())


@cache
def err() -> Console:
    """The console of progress, warnings and errors (stderr)."""
    from rich.console import Console

    return Console(stderr=True, highlight=False, soft_wrap=True, width=report_width())


def echo(line: str) -> None:
    """One plain line on stdout (no markup, no rich)."""
    sys.stdout.write(line + "\n")


def warn(line: str) -> None:
    """One plain line on stderr."""
    sys.stderr.write(line + "\n")


def fail(message: str, status: int = 2) -> NoReturn:
    """Print one error line to stderr and exit (2: bad input)."""
    warn(f"error: {message}")
    raise typer.Exit(status)


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn the library's input errors into one line and exit status 2, never a traceback."""
    try:
        yield
    except CatalogError as exc:
        *first, last = exc.lines()  # every problem of the catalog, one line each
        for line in first:
            warn(f"error: {line}")
        fail(last)
    except ValueError as exc:
        *first, last = str(exc).splitlines() or [""]  # a build's problems come one per line
        for line in first:
            warn(f"error: {line}")
        fail(last)
    except OSError as exc:
        where = getattr(exc, "filename", None)
        reason = exc.strerror or str(exc)
        fail(f"{where}: {reason}" if where else reason)


def load(platform: Path | None) -> Catalog:
    """Load the user's catalog or the packaged default."""
    from hearth.catalog.loader import load_catalog

    with user_errors():
        return load_catalog(platform)
    raise AssertionError("unreachable")  # pragma: no cover


@dataclass
class Voice:
    """How much a command says on stderr beside its result, by ``--quiet`` and ``--verbose``.

    Quiet: errors and the result only (no stage lines, no warnings, no per-item lines the result does not need).
    Normal: warnings, and a line per stage for the commands that take a while (``staged``: render, build, check,
    docs). Verbose: every command's stages, each stamped with the seconds since the command started (so each
    stage's time is the difference to the next line), per-step detail, and the total at the end.
    """

    quiet: bool = False
    verbose: bool = False
    staged: bool = False
    started: float = field(default_factory=time.perf_counter)

    def _line(self, text: str) -> None:
        from rich.markup import escape

        err().print(f"[dim]> {escape(text)}[/dim]")

    def stamp(self) -> str:
        """``[+0.123 s]``: the seconds since the command started."""
        return f"[+{time.perf_counter() - self.started:.3f} s]"

    def stage(self, message: str) -> None:
        """A stage begins (the ``Progress`` callback of the pipeline's functions)."""
        if self.verbose:
            self._line(f"{self.stamp()} {message}")
        elif self.staged and not self.quiet:
            self._line(message)

    def detail(self, message: str) -> None:
        """A line of per-step detail, with --verbose only."""
        if self.verbose:
            self._line(f"  {message}")

    def warn(self, line: str) -> None:
        """A warning on stderr, unless --quiet."""
        if not self.quiet:
            warn(line)

    def done(self) -> None:
        """The end of the command's work: with --verbose, the total time."""
        if self.verbose:
            self._line(f"{self.stamp()} done")


def voice(quiet: bool, verbose: bool, *, staged: bool = False) -> Voice:
    """The Voice of ``--quiet`` / ``--verbose``; both at once is bad input (exit 2)."""
    if quiet and verbose:
        fail("--quiet and --verbose exclude each other")
    return Voice(quiet=quiet, verbose=verbose, staged=staged)
