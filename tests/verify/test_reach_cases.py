"""Table-driven NetworkPolicy cases: tests/fixtures/netpol/*.yaml (format in its README.md)."""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from hearth.verify.reach import Connection, ReachResult, run_reach

CASES_DIR = Path(__file__).resolve().parents[1] / "fixtures" / "netpol"
CASE_FILES = sorted(CASES_DIR.glob("*.yaml"))
_ENTRY = re.compile(r"^\s*(\S+)\s*->\s*(\S+)\s+(\S+)\s+(allow|deny)\s*$")


@dataclass(frozen=True)
class Expectation:
    """One ``SRC -> DST PORT VERDICT`` line of a case."""

    text: str
    src: str
    dst: str
    port: str
    allowed: bool

    def matches(self, row: Connection) -> bool:
        """Does this (globbed) expectation cover ``row``?"""
        return (
            fnmatch.fnmatchcase(row.src, self.src)
            and fnmatch.fnmatchcase(row.dst, self.dst)
            and fnmatch.fnmatchcase(f"{row.port}/{row.protocol}", self.port)
        )


def _header(path: Path) -> dict[str, Any]:
    """The case header: the file's first YAML document."""
    with path.open(encoding="utf-8") as stream:
        header = next(yaml.safe_load_all(stream))
    assert isinstance(header, dict) and "case" in header, f"{path.name}: first document must be a case header"
    return header


def _expectations(header: dict[str, Any]) -> list[Expectation]:
    """Parse the ``expect`` lines of a header."""
    parsed = []
    for text in header.get("expect") or []:
        match = _ENTRY.match(text)
        assert match, f"bad expect line {text!r}"
        src, dst, port, verdict = match.groups()
        parsed.append(Expectation(text, src, dst, port, verdict == "allow"))
    return parsed


def _run(path: Path) -> tuple[dict[str, Any], ReachResult]:
    """Evaluate one case file together with its ``base`` manifests."""
    header = _header(path)
    paths = [CASES_DIR / base for base in header.get("base") or []] + [path]
    result = run_reach(paths, [str(p) for p in header.get("ports") or []], header.get("peer_ips") or [])
    return header, result


def test_cases_exist() -> None:
    """Guard against the glob silently finding nothing."""
    assert len(CASE_FILES) >= 30


@pytest.mark.parametrize("path", CASE_FILES, ids=[p.stem for p in CASE_FILES])
def test_case(path: Path) -> None:
    """Every row covered by the case's expectations (or default) has the expected verdict."""
    header, result = _run(path)
    expectations = _expectations(header)
    default = header.get("default")
    assert default in (None, "allow", "deny"), "default must be allow or deny"
    unused = {e.text for e in expectations}
    mismatches = []
    for row in result.connections:
        expected: bool | None = None if default is None else default == "allow"
        for expectation in expectations:
            if expectation.matches(row):
                expected = expectation.allowed
                unused.discard(expectation.text)
        if expected is not None and expected != row.allowed:
            verdict = "allow" if expected else "deny"
            mismatches.append(f"{row.src} -> {row.dst} {row.port}/{row.protocol}: expected {verdict}")
    assert not unused, f"expectations matching no row: {sorted(unused)}"
    assert not mismatches, f"{header['case']}\n" + "\n".join(mismatches)


@pytest.mark.parametrize("path", CASE_FILES, ids=[p.stem for p in CASE_FILES])
def test_case_query_api_agrees(path: Path) -> None:
    """allowed(), allowed_sources() and allowed_flows() agree with the listed rows."""
    _, result = _run(path)
    matrix = result.matrix
    rows = result.connections
    assert [r for r in rows if r.allowed] == list(matrix.allowed_flows())
    for row in rows:
        assert matrix.allowed(row.src, row.dst, row.port, row.protocol) is row.allowed
        assert (row.src in matrix.allowed_sources(row.dst, row.port, row.protocol)) is row.allowed
    keys = [(r.src, r.dst, r.port, r.protocol) for r in rows]
    assert len(keys) == len(set(keys)), "a row is listed twice"
    assert all(r.src != r.dst for r in rows)
