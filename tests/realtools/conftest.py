"""Fixtures of the real-tool tests: the seed platform rendered once per session, in-process."""

from __future__ import annotations

from pathlib import Path

import pytest

from hearth.catalog.loader import load_catalog
from hearth.render.model import RenderedPlatform
from hearth.render.platform import render_platform
from hearth.resolve import resolve


@pytest.fixture(scope="session")
def rendered_seed() -> RenderedPlatform:
    """The default (seed) catalog, resolved and rendered with the library, as ``hearth render`` does."""
    return render_platform(resolve(load_catalog(None)))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test here starts a real server: mark it ``slow`` (run by `make test`, `-m "not slow"` skips it)."""
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.slow)
