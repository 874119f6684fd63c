"""Fixtures shared across the suite: where the catalog fixtures live and an in-process ``hearth`` runner."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from hearth.cli import app
from tools import RunHearth

FIXTURES = Path(__file__).resolve().parent / "fixtures"


@contextmanager
def _working_directory(path: Path | None) -> Iterator[None]:
    if path is None:
        yield
        return
    before = Path.cwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(before)


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    """``tests/fixtures``: ``valid/<platform>/`` catalogs and ``invalid/<case>/`` broken ones."""
    return FIXTURES


@pytest.fixture(scope="session")
def valid_catalogs() -> dict[str, Path]:
    """Each valid fixture platform by name (``minimal``, ``provider-consumer``, ``chart``, ``web``)."""
    return {p.name: p for p in sorted((FIXTURES / "valid").iterdir()) if p.is_dir()}


@pytest.fixture(scope="session")
def hearth() -> RunHearth:
    """Run ``hearth ARGS...`` in-process, optionally from ``cwd``, so printed paths are relative and stable."""
    runner = CliRunner()

    def run(*args: str, cwd: Path | None = None) -> Result:
        with _working_directory(cwd):
            return runner.invoke(app, list(args))

    return run
