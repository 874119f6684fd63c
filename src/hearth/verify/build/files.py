"""Every file of a build directory, read once: ``hearth check`` hashes, scans and parses the bytes of one read.

The index check (:func:`hearth.buildindex.compare`) needs each file's size and SHA-256, the secrets section's
plaintext scan (:mod:`hearth.verify.secrets.plaintext`) each file's text, and :func:`~hearth.verify.build.audit.
load_build` the YAML of ``manifests/``, ``cluster/``, ``helmfile.yaml`` and ``claims.yaml``; read separately, each of
the ~40,000 files of a 2,000-component build was read two or three times. :meth:`BuildFiles.read` walks the
directory once and reads each regular file once: it keeps the size and digest, scans the text at once (keeping
only the findings) and holds the bytes of the files the loader and the secrets section parse until they are taken.
What is audited is then exactly what was hashed.

Each reader sees what it saw reading the disk itself: the walk lists what ``buildindex`` listed (directories not
followed through links), the scan covers the regular files in ``Path.rglob``'s order, and a file or directory that
could not be read raises, where its reader asks for it, the ``OSError`` the read raised. A file not held (a link,
a file outside the build, one taken already) is read from disk.
"""

from __future__ import annotations

import os
from pathlib import Path

from hearth.buildindex import digest
from hearth.verify.secrets.plaintext import Finding, scan_text

__all__ = ["HELD_DIRECTORIES", "HELD_FILES", "BuildFiles"]

HELD_FILES = frozenset({"helmfile.yaml", "claims.yaml"})
HELD_DIRECTORIES = ("manifests/", "cluster/", "values/")
"""What is parsed after the walk (by the loader and the secrets section): these files and the YAML files under
these directories; their bytes are held until taken."""


class BuildFiles:
    """One read of a build directory (see the module docstring)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._entries: list[str] = []  # every entry but directories, relative POSIX paths
        self._walk_error: OSError | None = None  # the first directory that could not be listed
        self._sums: dict[str, tuple[int, str] | OSError] = {}  # regular files: (size, sha256) read, or why not
        self._held: dict[str, bytes] = {}
        self.scanned = 0
        self.findings: list[Finding] = []

    @classmethod
    def read(cls, root: Path) -> BuildFiles:
        """Walk ``root`` and read each regular file once."""
        files = cls(Path(root))
        regular = files._walk()
        for parts in sorted(regular):  # Path order, as the scan sorted its paths
            files._read("/".join(parts))
        return files

    def _walk(self) -> list[tuple[str, ...]]:
        """List the tree as ``buildindex`` does; the regular files (not links) as path parts."""
        regular: list[tuple[str, ...]] = []
        pending = [(str(self.root), "")]  # (directory, its path relative to the root with a trailing "/")
        while pending:
            directory, prefix = pending.pop()
            try:
                with os.scandir(directory) as listing:
                    entries = list(listing)
            except OSError as exc:
                self._walk_error = self._walk_error or exc
                continue
            for entry in entries:
                try:
                    if entry.is_dir(follow_symlinks=False):
                        pending.append((entry.path, f"{prefix}{entry.name}/"))
                        continue
                    rel = prefix + entry.name
                    self._entries.append(rel)
                    if entry.is_file(follow_symlinks=False):
                        regular.append(tuple(rel.split("/")))
                except OSError as exc:
                    self._walk_error = self._walk_error or exc
        return regular

    def _read(self, rel: str) -> None:
        self.scanned += 1
        try:
            with open(os.path.join(self.root, rel), "rb") as handle:
                data = handle.read()
        except OSError as exc:
            self._sums[rel] = exc
            return
        self._sums[rel] = (len(data), digest(data))
        self.findings += scan_text(rel, data.decode("utf-8", errors="replace"))
        if rel in HELD_FILES or (rel.startswith(HELD_DIRECTORIES) and rel.endswith((".yaml", ".yml"))):
            self._held[rel] = data

    def entries(self) -> list[str]:
        """Every entry of the build but directories (relative paths); the OSError of a directory the walk could not
        list, as ``buildindex``'s walk raises it."""
        if self._walk_error is not None:
            raise self._walk_error
        return list(self._entries)

    def fingerprint(self, rel: str) -> tuple[int, str] | None:
        """(size, SHA-256) of the regular file ``rel`` as read, None for anything else (a link, a FIFO); the
        OSError its read raised."""
        found = self._sums.get(rel)
        if isinstance(found, OSError):
            raise found
        return found

    def read_bytes(self, path: Path) -> bytes:
        """The bytes of ``path``: those read by the walk the first time a held file is asked for (then dropped),
        from disk otherwise; the OSError of the read."""
        try:
            rel = path.relative_to(self.root).as_posix()
        except ValueError:
            return path.read_bytes()
        held = self._held.pop(rel, None)
        if held is not None:
            return held
        found = self._sums.get(rel)
        if isinstance(found, OSError):
            raise found
        return path.read_bytes()
