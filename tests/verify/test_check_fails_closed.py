"""``hearth check`` fails closed: a rendered build that lost, gained or changed a file, or whose inputs cannot be
read, is exit status 2 with one line per problem naming the file, never a report that passes.

The builds are rendered from the seed once per module; each case damages a copy. Unreadable cases run the CLI in
a subprocess that drops root's permission override (``unprivileged``), since root reads any file.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from hearth.buildindex import compare
from hearth.verify.report import run_check
from tools import RunHearth
from unprivileged import drop_dac_capabilities

HEARTH = Path(sys.executable).parent / "hearth"


def _delete_claims(build: Path) -> str:
    (build / "claims.yaml").unlink()
    return f"{build}/claims.yaml: in the index but missing from the build"


def _delete_a_manifest(build: Path) -> str:
    victim = sorted((build / "manifests").glob("*.yaml"))[0]
    victim.unlink()
    return f"{victim}: in the index but missing from the build"


def _add_a_manifest(build: Path) -> str:
    (build / "manifests" / "extra.yaml").write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n")
    return f"{build}/manifests/extra.yaml: in the build but not in its index (not written by render)"


def _edit_a_manifest(build: Path) -> str:
    victim = sorted((build / "manifests").glob("*.yaml"))[0]
    victim.write_text(victim.read_text().replace("NetworkPolicy", "ConfigMap"))
    return f"{victim}: content differs from the index (edited after hearth render)"


def _same_size_edit(build: Path) -> str:
    victim = build / "claims.yaml"
    data = bytearray(victim.read_bytes())
    data[-2] = ord("x") if data[-2] != ord("x") else ord("y")
    victim.write_bytes(bytes(data))
    return f"{victim}: content differs from the index (edited after hearth render)"


def _delete_the_index(build: Path) -> str:
    (build / ".hearth-index").unlink()
    return f"{build}/.hearth-index: missing: not a complete hearth build (render it again)"


def _corrupt_the_index(build: Path) -> str:
    (build / ".hearth-index").write_text("{not json")
    return f"{build}/.hearth-index: not a hearth build index"


def _remove_a_chart_directory(build: Path) -> str:
    victim = sorted((build / "charts").iterdir())[0]
    shutil.rmtree(victim)
    return f"{victim}/Chart.yaml: in the index but missing from the build"


CASES: dict[str, Callable[[Path], str]] = {
    "claims-deleted": _delete_claims,
    "manifest-deleted": _delete_a_manifest,
    "manifest-added": _add_a_manifest,
    "manifest-edited": _edit_a_manifest,
    "same-size-edit": _same_size_edit,
    "index-deleted": _delete_the_index,
    "index-corrupt": _corrupt_the_index,
    "chart-removed": _remove_a_chart_directory,
}


def test_the_rendered_build_matches_its_index(rendered: Path) -> None:
    assert compare(rendered).ok
    assert run_check(rendered).to_json()["index"] == "verified"


@pytest.mark.parametrize("damage", CASES.values(), ids=CASES.keys())
def test_a_damaged_build_is_refused_naming_the_file(
    hearth: RunHearth, build: Path, damage: Callable[[Path], str]
) -> None:
    expected = damage(build)
    result = hearth("check", "--build", str(build))
    assert result.exit_code == 2, result.output
    lines = result.stderr.splitlines()
    assert all(line.startswith("error: ") for line in lines), lines
    assert any(line.startswith(f"error: {expected}") for line in lines), lines
    assert result.stdout == ""


def _unreadable_file(build: Path) -> str:
    (build / "claims.yaml").chmod(0)
    return f"{build}/claims.yaml: cannot read: Permission denied"


def _unreadable_directory(build: Path) -> str:
    (build / "manifests").chmod(0)
    return f"{build}/manifests: cannot read: Permission denied"


@pytest.mark.parametrize("damage", [_unreadable_file, _unreadable_directory], ids=["file", "directory"])
def test_an_unreadable_input_is_an_error_naming_it(build: Path, damage: Callable[[Path], str]) -> None:
    expected = damage(build)
    try:
        result = subprocess.run(
            [str(HEARTH), "check", "--build", str(build)],
            capture_output=True,
            text=True,
            preexec_fn=drop_dac_capabilities,
            timeout=120,
            check=False,
        )
    finally:
        for path in (build / "claims.yaml", build / "manifests"):
            path.chmod(0o755)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert f"error: {expected}" in result.stderr.splitlines(), result.stderr
