"""`hearth check` and `hearth build` on the command line: what they print and their exit status."""

from __future__ import annotations

import json
from pathlib import Path

from tools import RunHearth


def test_check_json_on_a_small_valid_platform_names_seven_sections(hearth: RunHearth, fixtures_dir: Path) -> None:
    result = hearth("check", "--platform", str(fixtures_dir / "valid" / "web"), "--output", "json", "--quiet")
    assert result.exit_code in (0, 1), result.output
    report = json.loads(result.stdout)
    assert list(report["sections"]) == [
        "zero_trust",
        "compliance",
        "capacity",
        "backups",
        "statements",
        "north_south",
        "observability",
        "secrets",
    ]
    assert report["failed"] is (result.exit_code == 1)


def test_check_exit_status_follows_the_verdict_of_an_existing_build(
    hearth: RunHearth, fixtures_dir: Path, tmp_path: Path
) -> None:
    """The hand-written compliant build passes (0); the same check over the seed fails (1) on capacity."""
    compliant = hearth("check", "--build", str(fixtures_dir / "check" / "compliant"), "--output", "json")
    assert compliant.exit_code == 0, compliant.output
    assert json.loads(compliant.stdout)["failed"] is False
    seed = hearth("build", "--out", str(tmp_path / "build"), "--quiet", "--report", "json")
    assert seed.exit_code == 1, seed.output
    sections = json.loads(seed.stdout)["sections"]
    assert sections["capacity"]["status"] == "fail"
    assert (tmp_path / "build" / "helmfile.yaml").is_file()


def test_check_refuses_platform_and_build_together(hearth: RunHearth, fixtures_dir: Path) -> None:
    result = hearth("check", "--platform", str(fixtures_dir / "valid" / "web"), "--build", "build")
    assert result.exit_code == 2
    assert result.stderr.strip() == "error: --platform and --build exclude each other: a build was rendered already"


def test_check_of_something_that_is_not_a_build_is_one_line_and_status_2(hearth: RunHearth, tmp_path: Path) -> None:
    result = hearth("check", "--build", str(tmp_path / "nothing-here"))
    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr
