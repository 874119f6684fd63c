"""The invalid-catalog cases of ``tests/fixtures/invalid/``: a base catalog and a small overlay per case.

``base/`` is a valid catalog (a platform, an identity provider and an app). Each ``cases/<case>/case.yaml`` says
how its catalog differs from the base, and what ``hearth validate`` prints for it::

    case: what is broken
    copy: {services/auth/app.yaml: services/apps/app.yaml}   # new file = a copy of a base file (then edited)
    remove: [services/apps/app.yaml]                         # base files the case does not have
    edit:                                                    # text replacements, each of text found exactly once
      services/apps/app.yaml:
        - replace: "  schedule: \"0 2 * * *\"\\n"
          with: "  schedule: \"0 2 * *\"\\n"
    expect:                                                  # the exact stderr, one line per problem
      - "error: services/apps/app.yaml:33: backup.schedule: ..."

Every other file in the case directory is added to (or replaces the file at the same path in) the catalog.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

INVALID = Path(__file__).resolve().parent.parent / "fixtures" / "invalid"
BASE = INVALID / "base"
CASES_DIR = INVALID / "cases"


@dataclass(frozen=True)
class InvalidCase:
    """One case: its name, its overlay directory and the lines ``hearth validate`` must print."""

    name: str
    directory: Path
    spec: dict[str, Any]

    @property
    def expected(self) -> list[str]:
        """The exact stderr lines, ``error: FILE:LINE: FIELD: message`` each."""
        return [str(line) for line in self.spec["expect"]]

    def materialize(self, root: Path) -> Path:
        """Write the case's catalog into ``root`` (the base, with the overlay applied) and return ``root``."""
        shutil.copytree(BASE, root, dirs_exist_ok=True)
        for target, source in (self.spec.get("copy") or {}).items():
            (root / target).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(BASE / source, root / target)
        for gone in self.spec.get("remove") or []:
            (root / gone).unlink()
        for rel, edits in (self.spec.get("edit") or {}).items():
            path = root / rel
            text = path.read_bytes().decode("utf-8")
            for edit in edits:
                count = text.count(edit["replace"])
                if count != 1:
                    raise AssertionError(f"{self.name}: {rel}: the text to replace occurs {count} times")
                text = text.replace(edit["replace"], edit["with"])
            path.write_bytes(text.encode("utf-8"))
        for extra in sorted(self.directory.rglob("*")):
            if extra.is_file() and extra.name != "case.yaml":
                target = root / extra.relative_to(self.directory)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(extra, target)
        return root


def invalid_cases() -> list[InvalidCase]:
    """Every case under ``cases/``, by name."""
    return [
        InvalidCase(p.name, p, yaml.safe_load((p / "case.yaml").read_text(encoding="utf-8")))
        for p in sorted(CASES_DIR.iterdir())
        if (p / "case.yaml").is_file()
    ]
