"""Every broken catalog under ``tests/fixtures/invalid/`` fails ``hearth validate`` with one exact line.

Each case directory holds a small catalog that is invalid in one way and ``expected.txt``, the exact
stderr of ``hearth validate --platform .`` run from inside the case directory (so paths are relative).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import Result

from hearth.catalog.loader import load_catalog
from hearth.catalog.yamlsource import CatalogError

INVALID = Path(__file__).resolve().parent.parent / "fixtures" / "invalid"
CASES = sorted(p for p in INVALID.iterdir() if p.is_dir())
LINE = re.compile(r"^error: (?P<file>[^:]+):(?P<line>[0-9]+): (?P<field>[^:]+): (?P<message>.+)$")


def test_there_are_enough_cases() -> None:
    assert len(CASES) >= 35


@pytest.mark.parametrize("case", CASES, ids=[p.name for p in CASES])
def test_validate_prints_the_expected_line(case: Path, hearth: Callable[..., Result]) -> None:
    expected = (case / "expected.txt").read_text(encoding="utf-8")
    result = hearth("validate", "--platform", ".", cwd=case)
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit)
    assert result.stdout == ""
    assert result.stderr == expected
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("case", CASES, ids=[p.name for p in CASES])
def test_expected_lines_are_located_errors_in_file_order(case: Path) -> None:
    lines = (case / "expected.txt").read_text(encoding="utf-8").splitlines()
    assert lines
    order = []
    for line in lines:
        match = LINE.match(line)
        assert match is not None, line
        file = case / match["file"]
        if file.is_file():  # a missing platform.yaml or an empty services/ names a path that is not a file
            assert 1 <= int(match["line"]) <= max(1, len(file.read_bytes().splitlines()))
        order.append((match["file"], int(match["line"])))
    assert order == sorted(order)


@pytest.mark.parametrize("case", CASES, ids=[p.name for p in CASES])
def test_load_catalog_raises_the_same_error(case: Path) -> None:
    """The library raises what the CLI prints; its paths are absolute, so the case directory is cut off."""
    with pytest.raises(CatalogError) as caught:
        load_catalog(case)
    expected = [
        line.removeprefix("error: ") for line in (case / "expected.txt").read_text(encoding="utf-8").splitlines()
    ]
    assert [line.replace(f"{case}/", "") for line in caught.value.lines()] == expected
