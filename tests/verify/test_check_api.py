"""The API the CLI calls: run_check errors, rendering, JSON output, exit status; and the claims renderer."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pytest
import yaml
from rich.console import Console

from hearth.catalog.loader import load_catalog
from hearth.commands import check as check_cmd
from hearth.render.claims import CLAIMS_FILE, claims
from hearth.render.platform import render_platform
from hearth.resolve import resolve
from hearth.verify.report import SECTIONS, run_check

COMPLIANT = Path(__file__).resolve().parents[1] / "fixtures" / "check" / "compliant"


def test_not_a_build_directory(tmp_path: Path) -> None:
    """A directory without manifests/ is a ValueError with one line, which the CLI prints with status 2."""
    with pytest.raises(ValueError, match="not a build directory") as info:
        run_check(tmp_path)
    assert "\n" not in str(info.value)


def test_invalid_yaml_is_one_line(tmp_path: Path) -> None:
    """A broken manifest names its file and line."""
    (tmp_path / "manifests").mkdir()
    (tmp_path / "manifests" / "x.yaml").write_text("a: [\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"x\.yaml:\d+: invalid YAML") as info:
        check_cmd.check(tmp_path)
    assert "\n" not in str(info.value)


def test_render_prints_every_section_and_the_verdict() -> None:
    """With details, the rich output has a rule per section, the tables and the final verdict."""
    console = Console(record=True, width=200)
    check_cmd.print_report(run_check(COMPLIANT), console, details=True)
    text = console.export_text()
    for title in ("1. Zero trust", "2. Compliance", "3. Capacity", "4. Backups", "5. Statements"):
        assert title in text
    assert "Compliance per feature" in text and "N-1" in text and "check passed" in text


def test_json_output_and_exit_status(tmp_path: Path) -> None:
    """--json writes the report to the stream; exit status is 0 on pass and 1 on a failing check."""
    stream = io.StringIO()
    report = check_cmd.check(COMPLIANT)
    check_cmd.print_report(report, Console(file=io.StringIO()), json_output=True, stream=stream)
    data = json.loads(stream.getvalue())
    assert list(data["sections"]) == list(SECTIONS) and data["failed"] is False
    assert check_cmd.exit_status(report) == 0
    build = tmp_path / "build"
    shutil.copytree(COMPLIANT, build)
    (build / "cluster" / "nodes.yaml").unlink()
    failing = check_cmd.check(build)
    assert failing.capacity.failed and check_cmd.exit_status(failing) == 1
    assert "no Node in cluster/nodes.yaml: nothing to place pods on" in failing.capacity.notes


@pytest.mark.parametrize(
    ("remove", "expected"),
    [
        ("claims.yaml", "claims.yaml: missing: read by 5. Statements; nothing is audited without it"),
        ("helmfile.yaml", "helmfile.yaml: missing: read by 3. Capacity, 5. Statements; nothing is audited without it"),
        ("charts", "charts: missing: read by 2. Compliance; nothing is audited without it"),
        ("cluster", "cluster: missing: read by 1. Zero trust, 3. Capacity; nothing is audited without it"),
    ],
)
def test_a_missing_input_is_an_error_never_a_pass(tmp_path: Path, remove: str, expected: str) -> None:
    """Without a file a section reads, the check stops naming it and the section (it used to pass statements
    for want of any): the auditor never passes what it could not read."""
    build = tmp_path / "build"
    shutil.copytree(COMPLIANT, build)
    target = build / remove
    shutil.rmtree(target) if target.is_dir() else target.unlink()
    with pytest.raises(ValueError) as info:
        run_check(build)
    assert str(info.value).splitlines() == [f"{build}/{expected}"]


def test_an_input_that_is_not_a_file_is_an_error(tmp_path: Path) -> None:
    build = tmp_path / "build"
    shutil.copytree(COMPLIANT, build)
    (build / "claims.yaml").unlink()
    (build / "claims.yaml").mkdir()
    with pytest.raises(ValueError, match=r"claims\.yaml: not a regular file: read by 5\. Statements"):
        run_check(build)


def test_claims_are_written_as_stated() -> None:
    """claims.yaml carries the seed's statements unresolved: tags stay tags, the allocation table as written."""
    resolved = resolve(load_catalog(None))
    data = claims(resolved)
    assert list(data) == [
        "platform",
        "stated_figures",
        "traffic",
        "stated_orders",
        "database_allocation",
        "backups",
        "stated_tools",
        "tunnel_addresses",
        "sso",
    ]
    assert data["stated_tools"] == [
        {"role": "log-collector", "claim": "Logging: Promtail (log collection)", "value": "promtail"},
        {"role": "secrets-store", "claim": "Secrets: HashiCorp Vault with auto-unseal", "value": "vault"},
    ]
    assert data["tunnel_addresses"]["addresses"]["k8s-master-1"] == "10.99.0.10"
    assert data["traffic"]["gateway"] == "80.90.178.207" and data["traffic"]["tunnel"] == ["pangolin"]
    chain = data["stated_orders"][0]["steps"]
    assert chain[-2:] == [["databases"], ["apps"]]
    assert data["database_allocation"]["mongodb"] == ["stoat"]
    kinds = [(row["name"], row["kind"]) for row in data["backups"]]
    assert ("kubernetes-state", "velero") in kinds and ("postgresql-dump", "dump") in kinds
    text = render_platform(resolved).files[CLAIMS_FILE]
    assert yaml.safe_load(text) == data


def test_the_auditor_reads_rendered_files_only() -> None:
    """THE RULE: nothing in hearth.verify imports the catalog, the resolver or the renderers."""
    import ast

    import hearth.verify

    forbidden = ("hearth.catalog", "hearth.resolve", "hearth.render", "hearth.graph", "hearth.capabilities")
    for path in sorted(Path(hearth.verify.__file__).parent.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            assert not [n for n in names if n.startswith(forbidden)], f"{path.name} imports {names}"
