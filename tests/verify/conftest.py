"""Fixtures the auditor's tests share: the seed's build, rendered once, and a copy of it a test may change."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from hearth.catalog.loader import load_catalog
from hearth.commands.render import render


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seed catalog's build, rendered once per module; tests that change a build take ``build`` instead."""
    out = tmp_path_factory.mktemp("seed") / "build"
    render(load_catalog(None), out)
    return out


@pytest.fixture
def build(rendered: Path, tmp_path: Path) -> Path:
    """A copy of the seed's build (links kept as links) that the test may change."""
    copy = tmp_path / "build"
    shutil.copytree(rendered, copy, symlinks=True)
    return copy
