"""Fixtures of the render tests: every case under tests/fixtures/render, resolved and rendered once."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

_HERE = Path(__file__).resolve().parent
for _path in (_HERE, _HERE.parent):  # render_cases/golden, and tests/tools.py, whatever pytest put on sys.path
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

from render_cases import CASES, resolved_case  # noqa: E402

from hearth.render.model import RenderedPlatform  # noqa: E402
from hearth.render.platform import render_platform  # noqa: E402
from hearth.resolve.records import Resolved  # noqa: E402


@pytest.fixture(scope="session")
def resolved_cases() -> dict[str, Resolved]:
    """Every render case, resolved once per session."""
    return {case: resolved_case(case) for case in CASES}


@pytest.fixture(scope="session")
def rendered_cases(resolved_cases: dict[str, Resolved]) -> dict[str, RenderedPlatform]:
    """Every render case, rendered once per session."""
    return {case: render_platform(resolved) for case, resolved in resolved_cases.items()}
