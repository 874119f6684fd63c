"""The small catalogs of the render tests, under tests/fixtures/render/<case>/catalog, and where things are."""

from __future__ import annotations

from pathlib import Path

from hearth.catalog.loader import load_catalog
from hearth.resolve import resolve
from hearth.resolve.records import Resolved

TESTS = Path(__file__).resolve().parent.parent
CASES_DIR = TESTS / "fixtures" / "render"
CASES = sorted(p.parent.name for p in CASES_DIR.glob("*/catalog"))


def resolved_case(case: str) -> Resolved:
    """The resolved catalog of one render case."""
    return resolve(load_catalog(CASES_DIR / case / "catalog"))
