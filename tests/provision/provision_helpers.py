"""Helpers the provisioning tests import by name (a ``conftest`` import resolves to whichever is first on the path)."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

from hearth.catalog.models import Catalog
from hearth.provision import render_ansible
from hearth.resolve import resolve

Run = Callable[..., subprocess.CompletedProcess[str]]


def write_ansible(catalog: Catalog, root: Path) -> Path:
    """Render build/ansible for ``catalog`` under ``root``; returns the ansible directory."""
    for rel, text in render_ansible(resolve(catalog)).items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root / "ansible"
