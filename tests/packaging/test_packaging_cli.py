"""``hearth render`` and ``hearth build`` on the seed platform: output, determinism, progress and errors."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from typer.testing import Result

from hearth.render.package.write import INDEX, MARKER

#: The ``hearth`` fixture of tests/conftest.py: ``hearth(*args, cwd=None)`` runs the CLI in-process.
RunHearth = Callable[..., Result]


def tree(root: Path) -> dict[str, bytes]:
    """Every file under root by relative path, with its bytes."""
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_two_renders_are_byte_identical(hearth: RunHearth, tmp_path: Path) -> None:
    first = hearth("render", "--out", str(tmp_path / "one"), "--quiet")
    second = hearth("render", "--out", str(tmp_path / "two"), "--quiet")
    assert first.exit_code == 0 and second.exit_code == 0, first.output + second.output
    one, two = tree(tmp_path / "one"), tree(tmp_path / "two")
    assert one == two
    assert "helmfile.yaml" in one and MARKER in one
    again = hearth("render", "--out", str(tmp_path / "one"), "--quiet")
    assert again.exit_code == 0
    assert tree(tmp_path / "one") == two


def test_render_prints_a_summary_and_stages(hearth: RunHearth, tmp_path: Path) -> None:
    result = hearth("render", "--out", "build", cwd=tmp_path)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert len(lines) == 1 and lines[0].startswith("rendered ") and lines[0].endswith(" to build"), lines
    files = [p for p in (tmp_path / "build").rglob("*") if p.is_file() and p.name not in (MARKER, INDEX)]
    assert f" {len(files)} files in total" in lines[0]
    manifests = len(list((tmp_path / "build" / "manifests").glob("*.yaml")))
    assert f" {manifests} manifest files" in lines[0]
    stages = [line.removeprefix("> ").split(":")[0] for line in result.stderr.splitlines()]
    assert stages == ["load", "resolve", "render", "package", "write"]


def test_quiet_prints_the_summary_only(hearth: RunHearth, tmp_path: Path) -> None:
    result = hearth("render", "-q", "--out", str(tmp_path / "b"))
    assert result.exit_code == 0
    assert result.stderr == ""
    assert result.stdout.startswith("rendered ")


def test_default_out_is_build_in_the_working_directory(hearth: RunHearth, tmp_path: Path) -> None:
    result = hearth("render", "-q", cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "build" / "helmfile.yaml").is_file()


def test_build_validates_then_renders_then_checks(hearth: RunHearth, tmp_path: Path) -> None:
    """build = validate + render + check: its exit status is the audit's (1: the seed does not fit its nodes)."""
    result = hearth("build", "--out", str(tmp_path / "b"))
    assert result.exit_code == 1, result.output
    stages = [line.split(":")[0] for line in result.stderr.splitlines() if line.startswith("> ")]
    assert stages[0] == "> validate" and stages[-1] == "> check"
    assert (tmp_path / "b" / "helmfile.yaml").is_file()
    assert result.stdout.startswith("rendered ")
    assert result.stdout.splitlines()[1].startswith("check failed")  # the verdict first, then the findings


def test_render_refuses_a_directory_that_is_not_a_build(hearth: RunHearth, tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / "notes.txt").write_text("mine")
    result = hearth("render", "-q", "--out", str(home))
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("error: refusing to replace")
    assert (home / "notes.txt").read_text() == "mine"
    assert sorted(p.name for p in home.iterdir()) == ["notes.txt"]


def test_bad_catalog_is_one_line_and_exit_2(hearth: RunHearth, tmp_path: Path) -> None:
    for command in ("render", "build"):
        result = hearth(command, "--platform", str(tmp_path / "missing"), "-q", "--out", str(tmp_path / "b"))
        assert result.exit_code == 2, result.output
        assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1
        assert not (tmp_path / "b").exists()
