"""Before any section measures a build: is it whole, and can every section read what it needs?

An auditor must never pass what it could not read. Two checks run before the sections, and each problem is one
``PATH: message`` line (all of them, as one ``ValueError``, which the CLI prints with exit status 2):

- **The index.** A build ``hearth render`` wrote carries ``.hearth-build`` and ``.hearth-index``
  (``hearth.buildindex``): a file missing from the directory, one not in the index, or one whose bytes differ is
  reported, so a partial or tampered build is never audited as if it were the rendered one. A build written by
  hand (no marker, no index, as the test fixtures are) is audited as it is.
- **Each section's inputs.** Every file or directory a section reads must be there and readable: a missing
  ``claims.yaml`` is an error naming it and the section, never a statements section that passes for want of
  statements.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from hearth.buildindex import INDEX, MARKER, IndexError_, Snapshot, compare

__all__ = ["BuildInputError", "check_index", "indexed", "require_inputs"]


class BuildInputError(ValueError):
    """The build is incomplete, tampered with or unreadable: one ``PATH: message`` line per problem."""

    def __init__(self, lines: list[str]) -> None:
        self.problems = lines
        super().__init__("\n".join(lines))


def indexed(build: Path) -> bool:
    """True when ``build`` says ``hearth render`` wrote it (marker or index present), so it is held to its index."""
    return (build / MARKER).exists() or (build / INDEX).exists() or (build / INDEX).is_symlink()


def _index_problems(build: Path, snapshot: Snapshot | None) -> list[str]:
    if not indexed(build):
        return []  # written by hand: nothing to hold it to
    try:
        return compare(build, snapshot).lines(build)
    except IndexError_ as exc:
        return [str(exc)]
    except OSError as exc:
        return [f"{exc.filename or build}: cannot read: {exc.strerror or exc}"]


def _unreadable(path: Path, directory: bool) -> str | None:
    """Why ``path`` cannot be read as a section's input, or None when it can."""
    if not path.exists() and not path.is_symlink():
        return "missing"
    if directory != path.is_dir():
        return "not a directory" if directory else "not a regular file"
    try:
        if directory:
            with os.scandir(path):
                pass
        else:
            with path.open("rb"):
                pass
    except OSError as exc:
        return f"cannot read: {exc.strerror or exc}"
    return None


def check_index(build: Path, snapshot: Snapshot | None = None) -> bool:
    """Raise BuildInputError when a rendered build does not match its index (missing, extra or edited files);
    True when it was checked against one, False for a build written by hand (no marker, no index). With
    ``snapshot`` (the check's one read of the build) the files are not read again."""
    problems = _index_problems(build, snapshot)
    if problems:
        raise BuildInputError(problems)
    return indexed(build)


def require_inputs(build: Path, needs: Iterable[tuple[str, str]]) -> None:
    """Raise BuildInputError when a file or directory a section reads is missing or cannot be read.

    ``needs`` pairs a section's title with a path it reads, relative to the build (a trailing ``/`` for a
    directory)."""
    problems: list[str] = []
    by_path: dict[str, list[str]] = {}
    for title, rel in needs:
        by_path.setdefault(rel, []).append(title)
    for rel, titles in by_path.items():
        why = _unreadable(build / rel.rstrip("/"), rel.endswith("/"))
        if why is not None:
            problems.append(
                f"{build / rel.rstrip('/')}: {why}: read by {', '.join(titles)}; nothing is audited without it"
            )
    if problems:
        raise BuildInputError(problems)
