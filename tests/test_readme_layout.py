"""The README's layout table matches the tree: every path it names exists, and every package under src/hearth is
named in it, so a newcomer reading the table finds each package where it says and no package it does not mention.

A cell may name several paths: the first is from the repository's root, the others (``capacity/``, ``resolve.py``)
are its siblings, named from the first one's parent directory.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
SRC = ROOT / "src" / "hearth"


def layout_rows(text: str) -> list[list[str]]:
    """The paths of each row of the table under ``## Layout``: the backquoted names of its first cell, each a path
    from the repository's root (a trailing ``/`` kept: it says the name is a directory)."""
    section = text.split("\n## Layout\n", 1)[1].split("\n## ", 1)[0]
    rows = []
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if not line.startswith("|") or len(cells) < 2 or set(cells[0]) <= {"-"} or cells[0] == "path":
            continue
        names = re.findall(r"`([^`]+)`", cells[0])
        if not names:
            continue
        first = names[0]
        parent = first.rstrip("/").rsplit("/", 1)[0] + "/" if "/" in first.rstrip("/") else ""
        rows.append([first, *(parent + n for n in names[1:])])
    return rows


def named_paths() -> list[str]:
    return [p for row in layout_rows(README.read_text()) for p in row]


def test_the_table_is_read() -> None:
    """The parser finds the table and resolves sibling names against the first name's directory."""
    sample = "# x\n\n## Layout\n\n| path | what |\n|---|---|\n| `src/a/b/`, `c/`, `d.py` | e `f` |\n\n## Next\n"
    assert layout_rows(sample) == [["src/a/b/", "src/a/c/", "src/a/d.py"]]
    assert len(named_paths()) > 20


@pytest.mark.parametrize("path", named_paths())
def test_every_named_path_exists(path: str) -> None:
    target = ROOT / path
    assert target.is_dir() if path.endswith("/") else target.is_file(), f"README layout names {path}: not in the tree"


def test_every_package_is_named() -> None:
    """Each directory of src/hearth with an ``__init__.py`` (the root package aside) has a row of its own."""
    named = {p.rstrip("/") for p in named_paths() if p.endswith("/")}
    packages = sorted(str(init.parent.relative_to(ROOT)) for init in SRC.rglob("__init__.py") if init.parent != SRC)
    missing = [p for p in packages if p not in named]
    assert not missing, f"packages the README's layout table does not name: {missing}"
