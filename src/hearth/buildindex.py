"""The index of a build directory: every file ``hearth render`` wrote, with its size and SHA-256.

``hearth render`` writes it as ``.hearth-index`` beside the ``.hearth-build`` marker; ``hearth check`` reads it
first and compares it with the directory, so a build that lost a file, gained one, or had one edited is reported
before any section measures it. It lives here, outside ``render`` and ``verify``, because both speak its format.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

INDEX = ".hearth-index"
MARKER = ".hearth-build"
VERSION = 1


def digest(data: bytes) -> str:
    """The SHA-256 of ``data``, as lowercase hex."""
    return hashlib.sha256(data).hexdigest()


def index_text(files: Mapping[str, bytes]) -> str:
    """The index of ``files`` ({relative path: bytes}), as the JSON text ``.hearth-index`` holds."""
    entries = {rel: {"size": len(data), "sha256": digest(data)} for rel, data in sorted(files.items())}
    return json.dumps({"version": VERSION, "files": entries}, indent=1, sort_keys=True) + "\n"


@dataclass(frozen=True)
class IndexProblems:
    """How a build directory differs from its index: each list holds relative paths, sorted."""

    missing: list[str]
    unindexed: list[str]
    changed: list[str]

    def lines(self, build: Path) -> list[str]:
        """One ``PATH: message`` line per problem, for the report and for errors."""
        return (
            [f"{build / rel}: in the index but missing from the build" for rel in self.missing]
            + [f"{build / rel}: in the build but not in its index (not written by render)" for rel in self.unindexed]
            + [f"{build / rel}: content differs from the index (edited after hearth render)" for rel in self.changed]
        )

    @property
    def ok(self) -> bool:
        """True when the directory is exactly what its index says."""
        return not (self.missing or self.unindexed or self.changed)


class IndexError_(ValueError):
    """The index itself is missing, unreadable or not an index: one line naming it."""


def read_index(build: Path) -> dict[str, tuple[int, str]]:
    """The index of ``build``: {relative path: (size, sha256)}; IndexError_ naming the file when it cannot be."""
    path = build / INDEX
    try:
        raw = json.loads(path.read_bytes())
        files = raw["files"]
        if raw.get("version") != VERSION or not isinstance(files, dict):
            raise TypeError("unknown version")
        return {str(rel): (int(entry["size"]), str(entry["sha256"])) for rel, entry in files.items()}
    except FileNotFoundError as exc:
        raise IndexError_(f"{path}: missing: not a complete hearth build (render it again)") from exc
    except OSError as exc:
        raise IndexError_(f"{path}: cannot read: {exc.strerror or exc}") from exc
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise IndexError_(f"{path}: not a hearth build index ({exc})") from exc


def _walk(build: Path) -> list[str]:
    found: list[str] = []
    pending = [build]
    while pending:
        directory = pending.pop()
        with os.scandir(directory) as listing:
            for entry in listing:
                if entry.is_dir(follow_symlinks=False):
                    pending.append(Path(entry.path))
                else:
                    found.append(Path(entry.path).relative_to(build).as_posix())
    return found


class Snapshot(Protocol):
    """The build as one read saw it (``hearth.verify.build.files.BuildFiles``), so that compare need not read it
    again."""

    def entries(self) -> list[str]:
        """Every entry but directories, relative; the OSError of a directory that could not be listed."""

    def fingerprint(self, rel: str) -> tuple[int, str] | None:
        """(size, SHA-256) of the regular file ``rel``, None when it is not one; the OSError of its read."""


def compare(build: Path, snapshot: Snapshot | None = None) -> IndexProblems:
    """Compare ``build`` with its index: files missing, files not indexed, files whose bytes changed.

    With ``snapshot`` the listing, sizes and digests are the ones it read (a link, or anything that is not a
    regular file, is changed); without, the directory is walked and read here. Raises IndexError_ when the index
    cannot be read, and OSError (naming the path) when a file cannot be."""
    index = read_index(build)
    present = set(_walk(build) if snapshot is None else snapshot.entries()) - {INDEX, MARKER}
    changed: list[str] = []
    for rel in sorted(present & set(index)):
        if snapshot is not None:
            if snapshot.fingerprint(rel) != index[rel]:
                changed.append(rel)
            continue
        path = build / rel
        size, sha = index[rel]
        if path.is_symlink() or path.stat().st_size != size or digest(path.read_bytes()) != sha:
            changed.append(rel)
    return IndexProblems(sorted(set(index) - present), sorted(present - set(index)), changed)
