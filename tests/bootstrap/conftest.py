"""Fixtures the bootstrap tests share: the seed's rendered build (the files ``hearth bootstrap`` reads)."""

from __future__ import annotations

import pytest

from hearth.catalog.loader import load_catalog
from hearth.commands.render import render_files


@pytest.fixture(scope="session")
def seed_files() -> dict[str, str]:
    """The seed's build as ``hearth render`` writes it, by path."""
    return render_files(load_catalog(None)).files
