"""Every broken catalog under ``tests/fixtures/invalid/cases/`` fails ``hearth validate`` with its exact lines.

Each case is the valid ``base/`` catalog with a small overlay (see ``invalid_cases.py``); ``expect`` is the exact
stderr of ``hearth validate --platform .`` run from inside the case's catalog (so paths are relative).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from invalid_cases import BASE, InvalidCase, invalid_cases

from hearth.catalog.loader import load_catalog
from hearth.catalog.yamlsource import CatalogError
from tools import RunHearth

CASES = invalid_cases()
IDS = [c.name for c in CASES]
LINE = re.compile(r"^error: (?P<file>[^:]+):(?P<line>[0-9]+): (?P<field>[^:]+): (?P<message>.+)$")


def test_there_are_enough_cases() -> None:
    assert len(CASES) >= 73


def test_the_base_catalog_is_valid() -> None:
    """Each case breaks a catalog that loads, so what it expects comes from its overlay alone."""
    catalog = load_catalog(BASE)
    assert sorted(catalog.components) == ["app", "idp"]


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_validate_prints_the_expected_lines(case: InvalidCase, tmp_path: Path, hearth: RunHearth) -> None:
    root = case.materialize(tmp_path / "catalog")
    result = hearth("validate", "--platform", ".", cwd=root)
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit)
    assert result.stdout == ""
    assert result.stderr.splitlines() == case.expected
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_expected_lines_are_located_errors_in_file_order(case: InvalidCase, tmp_path: Path) -> None:
    root = case.materialize(tmp_path / "catalog")
    assert case.expected
    order = []
    for line in case.expected:
        match = LINE.match(line)
        assert match is not None, line
        file = root / match["file"]
        if file.is_file():  # a missing platform.yaml or an empty services/ names a path that is not a file
            assert 1 <= int(match["line"]) <= max(1, len(file.read_bytes().splitlines()))
        order.append((match["file"], int(match["line"])))
    assert order == sorted(order)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_load_catalog_raises_the_same_errors(case: InvalidCase, tmp_path: Path) -> None:
    """The library raises what the CLI prints; its paths are absolute, so the catalog directory is cut off."""
    root = case.materialize(tmp_path / "catalog")
    with pytest.raises(CatalogError) as caught:
        load_catalog(root)
    expected = [line.removeprefix("error: ") for line in case.expected]
    assert [line.replace(f"{root}/", "") for line in caught.value.lines()] == expected
