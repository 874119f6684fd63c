"""`hearth check` as a person reads it: the verdict first, then only findings with their fixes; counts that agree."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from click.testing import Result

from tools import RunHearth


@pytest.fixture(scope="module")
def runs(hearth: RunHearth) -> dict[str, Result]:
    """The seed checked once per output form."""
    return {
        "text": hearth("check", "-q"),
        "details": hearth("check", "-q", "--details"),
        "json": hearth("check", "-q", "-o", "json"),
        "validate": hearth("validate"),
    }


def test_the_verdict_comes_within_the_first_ten_lines(runs: dict[str, Result]) -> None:
    """Must show: the verdict and its table head lead the report."""
    head = runs["text"].stdout.splitlines()[:10]
    assert head[0].startswith("check failed (fail: ")
    assert any("Section" in line and "Verdict" in line for line in head)


def test_only_findings_follow_each_with_a_fix_on_one_line(runs: dict[str, Result]) -> None:
    """After the table: FAIL/warn lines, each followed by exactly one fix line; no section's full table."""
    lines = runs["text"].stdout.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("└"))
    body = lines[start + 1 : -1]
    assert body and len(body) % 2 == 0
    for problem, fix in zip(body[::2], body[1::2], strict=True):
        assert re.match(r"(FAIL|warn) [A-Z][\w -]+: ", problem), problem
        assert fix.startswith("     fix: ") and len(fix) > len("     fix: ")
    assert "Compliance per chart" not in runs["text"].stdout
    assert lines[-1].endswith("hearth check --details prints every table")


@pytest.mark.parametrize(
    "title", ["Compliance per feature", "Compliance per chart", "Capacity per node", "N-1: one node lost", "Backups"]
)
def test_details_prints_every_table(runs: dict[str, Result], title: str) -> None:
    """--details prints the tables the report printed before findings existed, and ends with the verdict."""
    assert title in runs["details"].stdout
    assert runs["details"].stdout.rstrip().endswith("check failed")


def _json(runs: dict[str, Result]) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(runs["json"].stdout)
    return data


@pytest.mark.parametrize(
    "section", ["zero_trust", "compliance", "capacity", "backups", "statements", "north_south", "observability"]
)
def test_findings_agree_with_each_sections_status(runs: dict[str, Result], section: str) -> None:
    """A failing section has a failing finding, a warning one a warning, a passing one none (JSON carries them)."""
    data = _json(runs)
    status = data["sections"][section]["status"]
    levels = {f["level"] for f in data["findings"] if f["section"] == section}
    assert {"pass": set(), "warn": {"warn"}, "fail": {"fail"}}[status] <= levels
    if status == "pass":
        assert levels == set()
    for finding in data["findings"]:
        assert set(finding) == {"level", "section", "subject", "problem", "fix"} and finding["fix"]


def test_no_output_names_the_temporary_build(runs: dict[str, Result]) -> None:
    """The temporary build is gone when the report is read: no output names it; the catalog is named instead."""
    for result in runs.values():
        assert "hearth-check-" not in result.output and "/tmp/" not in result.output
    assert _json(runs)["build"] == "the packaged seed platform (hearth), rendered to a temporary build"


def test_counts_agree_between_validate_and_the_statements(runs: dict[str, Result]) -> None:
    """validate's components and namespaces are what the statements section computes."""
    match = re.match(r"valid: (\d+) components .*in (\d+) managed namespaces", runs["validate"].stdout)
    assert match, runs["validate"].stdout
    computed = {s["key"]: s["computed"] for s in _json(runs)["sections"]["statements"]["statements"]}
    assert (computed["services.total"], computed["namespaces.total"]) == match.groups()


@pytest.mark.parametrize("spec", ["3x8c", "3x8c32g,", "many"])
def test_a_bad_nodes_what_if_is_one_line_and_status_2(hearth: RunHearth, spec: str) -> None:
    """--nodes that does not parse: one error line naming the syntax, exit 2, no report."""
    result = hearth("check", "-q", "--nodes", spec)
    assert result.exit_code == 2
    assert result.stdout == "" and result.stderr.count("\n") == 1 and "COUNTxCORESc" in result.stderr


def test_the_advised_nodes_make_capacity_pass_on_the_command_line(hearth: RunHearth, runs: dict[str, Result]) -> None:
    """The capacity advice's --nodes, run as the fix line says, no longer fails capacity."""
    spec = _json(runs)["sections"]["capacity"]["advice"]["nodes"]
    assert any(f"hearth check --nodes {spec}" in f["fix"] for f in _json(runs)["findings"])
    after = json.loads(hearth("check", "-q", "-o", "json", "--nodes", spec).stdout)
    assert after["nodes"] == spec and after["sections"]["capacity"]["status"] in ("pass", "warn")
