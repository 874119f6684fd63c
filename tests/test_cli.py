"""The ``hearth`` command line: validate, plan, graph, init and every command's --help."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
import typer
from typer.testing import Result

from hearth import __version__
from hearth.catalog.loader import default_catalog_dir
from hearth.cli import app

Hearth = Callable[..., Result]
VALID = Path(__file__).resolve().parent / "fixtures" / "valid"
WEB = str(VALID / "web")
PROVIDER_CONSUMER = str(VALID / "provider-consumer")
COMMANDS = sorted(typer.main.get_command(app).commands)  # type: ignore[attr-defined]


def one_error_line(result: Result) -> str:
    """The single stderr line of a failed command (exit status 2, nothing on stdout, no traceback)."""
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit)
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    return lines[0]


def plan_json(hearth: Hearth, *args: str) -> dict[str, object]:
    result = hearth("plan", "--platform", WEB, "--output", "json", *args)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert isinstance(data, dict)
    return data


def names(plan: dict[str, object]) -> list[str]:
    components = plan["components"]
    assert isinstance(components, list)
    return [c["name"] for c in components]


# ------------------------------------------------------------------------------------------------- validate


def test_validate_valid(hearth: Hearth) -> None:
    result = hearth("validate", "--platform", WEB)
    assert result.exit_code == 0, result.output
    assert result.stdout == "valid: 4 components in 3 managed namespaces, 1 nodes (web)\n"
    assert result.stderr == ""


def test_validate_short_option(hearth: Hearth) -> None:
    assert hearth("validate", "-p", WEB).exit_code == 0


def test_validate_missing_directory(hearth: Hearth, tmp_path: Path) -> None:
    missing = tmp_path / "nowhere"
    assert one_error_line(hearth("validate", "--platform", str(missing))) == (
        f"error: {missing}:1: (directory): no such directory"
    )
    afile = tmp_path / "afile"
    afile.write_text("name: x\n", encoding="utf-8")
    assert one_error_line(hearth("validate", "--platform", str(afile))) == (
        f"error: {afile}:1: (directory): not a directory"
    )


def test_validate_invalid_prints_one_located_line(hearth: Hearth, tmp_path: Path) -> None:
    shutil.copytree(WEB, tmp_path, dirs_exist_ok=True)  # a catalog whose only problem is its broken platform.yaml
    (tmp_path / "platform.yaml").write_text("name: [unclosed\n", encoding="utf-8")
    line = one_error_line(hearth("validate", "--platform", ".", cwd=tmp_path))
    assert line.startswith("error: platform.yaml:2: (yaml): YAML syntax error: ")


# ----------------------------------------------------------------------------------------------------- plan


def test_plan_table(hearth: Hearth) -> None:
    result = hearth("plan", "--platform", WEB)
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "4 components in 3 waves"
    rows = [line.split("│")[1:-1] for line in lines if line.startswith("│")]
    assert [[cell.strip() for cell in row][:2] for row in rows] == [
        ["0", "postgres"],
        ["1", "idp"],
        ["2", "dashboard"],
        ["2", "wiki"],
    ]
    assert lines[-1] == "critical path (65s): postgres -> idp -> wiki"


def test_plan_json_is_the_whole_plan(hearth: Hearth) -> None:
    plan = plan_json(hearth)
    assert plan["waves"] == [["postgres"], ["idp"], ["dashboard", "wiki"]]
    assert plan["critical_path"] == ["postgres", "idp", "wiki"]
    assert plan["critical_seconds"] == 65
    assert names(plan) == ["postgres", "idp", "dashboard", "wiki"]


def test_plan_tags_include_transitive_needs(hearth: Hearth) -> None:
    # dashboard needs idp, which needs postgres: both come along
    plan = plan_json(hearth, "--tags", "dashboard")
    assert names(plan) == ["postgres", "idp", "dashboard"]
    assert plan["waves"] == [["postgres"], ["idp"], ["dashboard"]]


def test_plan_tags_repeat_and_comma_separate(hearth: Hearth) -> None:
    repeated = plan_json(hearth, "--tags", "databases", "-t", "auth")
    comma = plan_json(hearth, "--tags", "databases,auth")
    assert names(repeated) == names(comma) == ["postgres", "idp"]


def test_plan_no_deps_is_exactly_the_tagged(hearth: Hearth) -> None:
    plan = plan_json(hearth, "--tags", "apps", "--no-deps")
    assert names(plan) == ["dashboard", "wiki"]
    assert plan["waves"] == [["dashboard", "wiki"]]
    assert plan["critical_path"] == ["wiki"]
    assert plan["critical_seconds"] == 20


def test_plan_namespace_tag(hearth: Hearth) -> None:
    assert names(plan_json(hearth, "--tags", "db")) == ["postgres"]


def test_plan_unknown_tag(hearth: Hearth) -> None:
    result = hearth("plan", "--platform", WEB, "--tags", "apps,nope")
    assert one_error_line(result) == "error: unknown tag 'nope'"


def test_plan_unknown_output(hearth: Hearth) -> None:
    result = hearth("plan", "--platform", WEB, "--output", "yaml")
    assert result.exit_code == 2
    assert "Traceback" not in result.output


# ---------------------------------------------------------------------------------------------------- graph

MERMAID = """\
flowchart LR
  subgraph ns_apps[apps]
    notes["Notes"]
  end
  subgraph ns_auth[auth]
    idp["Identity provider"]
  end
  subgraph ns_db[db]
    postgres["PostgreSQL"]
  end
  notes --> postgres
"""

DOT = """\
digraph hearth {
  rankdir=LR;
  subgraph "cluster_apps" { label="apps";
    "notes" [label="Notes"];
  }
  subgraph "cluster_auth" { label="auth";
    "idp" [label="Identity provider"];
  }
  subgraph "cluster_db" { label="db";
    "postgres" [label="PostgreSQL"];
  }
  "notes" -> "postgres";
}
"""


@pytest.mark.parametrize(("fmt", "expected"), [("mermaid", MERMAID), ("dot", DOT)])
def test_graph_formats(hearth: Hearth, fmt: str, expected: str) -> None:
    result = hearth("graph", "--platform", PROVIDER_CONSUMER, "--format", fmt)
    assert result.exit_code == 0, result.output
    assert result.stdout == expected


def test_graph_default_is_mermaid(hearth: Hearth) -> None:
    assert hearth("graph", "--platform", PROVIDER_CONSUMER).stdout == MERMAID


def test_graph_has_an_edge_per_need(hearth: Hearth) -> None:
    result = hearth("graph", "--platform", WEB, "--format", "dot")
    edges = [line.strip() for line in result.stdout.splitlines() if "->" in line]
    assert edges == [
        '"dashboard" -> "idp";',
        '"idp" -> "postgres";',
        '"wiki" -> "idp";',
        '"wiki" -> "postgres";',
    ]


def test_graph_of_an_invalid_catalog(hearth: Hearth, tmp_path: Path) -> None:
    assert one_error_line(hearth("graph", "--platform", ".", cwd=tmp_path)) == (
        "error: .:1: (directory): empty: a catalog is platform.yaml and services/<namespace>/"
    )
    shutil.copytree(Path(WEB) / "services", tmp_path / "services")
    assert one_error_line(hearth("graph", "--platform", ".", cwd=tmp_path)) == (
        "error: platform.yaml:1: (file): missing: a catalog needs platform.yaml"
    )


# ----------------------------------------------------------------------------------------------------- init


def packaged_files() -> dict[str, bytes]:
    root = default_catalog_dir()
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*.yaml"))}


def written_files(directory: Path) -> dict[str, bytes]:
    return {p.relative_to(directory).as_posix(): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()}


def test_init_writes_the_default_catalog(hearth: Hearth, tmp_path: Path) -> None:
    target = tmp_path / "catalog"
    result = hearth("init", str(target))
    assert result.exit_code == 0, result.output
    packaged = packaged_files()
    assert "platform.yaml" in packaged
    written = written_files(target)
    for name, data in packaged.items():  # each packaged file, after the line that names its schema
        first, rest = written[name].split(b"\n", 1)
        assert first.startswith(b"# yaml-language-server: $schema=") and rest == data, name
    assert sorted(set(written) - set(packaged)) == [
        ".schema/claims.schema.json",
        ".schema/component.schema.json",
        ".schema/platform.schema.json",
    ]
    assert result.stdout.startswith(f"wrote {len(written)} files to {target}")


def test_init_into_an_empty_directory(hearth: Hearth, tmp_path: Path) -> None:
    assert hearth("init", str(tmp_path)).exit_code == 0
    assert (tmp_path / "platform.yaml").is_file()


def test_init_refuses_a_non_empty_directory(hearth: Hearth, tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine\n", encoding="utf-8")
    line = one_error_line(hearth("init", str(tmp_path)))
    assert line == f"error: {tmp_path}: exists and is not an empty directory; choose a new one"
    assert written_files(tmp_path) == {"notes.txt": b"mine\n"}


def test_init_refuses_a_file(hearth: Hearth, tmp_path: Path) -> None:
    target = tmp_path / "file"
    target.write_text("x", encoding="utf-8")
    one_error_line(hearth("init", str(target)))
    assert target.read_text(encoding="utf-8") == "x"


# ----------------------------------------------------------------------------------------------------- help


def test_the_core_commands_exist() -> None:
    assert {"validate", "plan", "graph", "init"} <= set(COMMANDS)


@pytest.mark.parametrize("command", COMMANDS)
def test_command_help(hearth: Hearth, command: str) -> None:
    result = hearth(command, "--help")
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.stdout


def test_top_level_help_lists_commands(hearth: Hearth) -> None:
    result = hearth("--help")
    assert result.exit_code == 0
    for command in ("validate", "plan", "graph", "init"):
        assert command in result.stdout


def test_version(hearth: Hearth) -> None:
    result = hearth("--version")
    assert result.exit_code == 0
    assert result.stdout == f"hearth {__version__}\n"
