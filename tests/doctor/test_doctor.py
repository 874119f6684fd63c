"""``hearth doctor``: prerequisites per stage, what it cannot check offline and why, and the catalog's
deprecations and version skew, from data with sources."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from hearth.catalog.loader import load_catalog
from hearth.doctor import checks
from hearth.doctor.facts import TOOLS, Tool
from hearth.doctor.semver import satisfies
from tools import REPO_ROOT, RunHearth, tool


def test_offline_doctor_lists_what_it_could_not_check_and_finds_minio_and_promtail(hearth: RunHearth) -> None:
    result = hearth("doctor", "-o", "json")
    assert result.exit_code in (0, 1), result.output
    data = json.loads(result.stdout)
    findings = data["findings"]
    online = [f for f in findings if f["stage"] == "online"]
    assert online and all(f["verdict"] == "skipped" and "offline" in f["detail"] for f in online)
    assert any(f["check"] == "chart repository https://charts.jetstack.io" for f in online)
    assert any(f["check"] == "image registry quay.io" for f in online)
    deprecated = {f["check"]: f["detail"] for f in findings if f["check"].startswith("deprecated: ")}
    assert "quay.io/minio/minio" in deprecated["deprecated: MinIO community edition"]
    assert deprecated["deprecated: Promtail"].startswith("claims.yaml: Logging: Promtail")
    assert all("source: https://" in detail for detail in deprecated.values())
    assert data["blocked_stages"] == sorted({f["stage"] for f in findings if f["verdict"] == "fail"})
    assert result.exit_code == (1 if data["blocked_stages"] else 0)


def test_the_text_report_ends_with_the_verdict_and_the_count_not_checked(hearth: RunHearth) -> None:
    result = hearth("doctor")
    last = result.stdout.splitlines()[-1]
    assert re.fullmatch(
        r"doctor: (nothing blocks|blocked: [a-z, ]+); \d+ warnings, \d+ not checked \(each says why\)", last
    )
    assert "skipped  newest versions:" in result.stdout


def test_a_blank_catalog_names_no_deprecation(tmp_path: Path, hearth: RunHearth) -> None:
    assert hearth("init", "--blank", "c", cwd=tmp_path).exit_code == 0
    data = json.loads(hearth("doctor", "--platform", "c", "-o", "json", cwd=tmp_path).stdout)
    assert not [f for f in data["findings"] if f["check"].startswith("deprecated")]


def test_a_bad_catalog_exits_2(tmp_path: Path, hearth: RunHearth) -> None:
    result = hearth("doctor", "--platform", str(tmp_path / "nowhere"))
    assert result.exit_code == 2 and "no such directory" in result.stderr


def test_the_tool_minimums_are_the_pins_of_install_tools() -> None:
    script = (REPO_ROOT / "scripts" / "install-tools.sh").read_text(encoding="utf-8")
    pinned = {
        name: re.search(rf'^{var}="v?([0-9.]+)"', script, re.M).group(1)  # type: ignore[union-attr]
        for name, var in (("helm", "HELM_VERSION"), ("kubectl", "KUBECTL_VERSION"), ("helmfile", "HELMFILE_VERSION"))
    }
    assert {t.name: t.minimum for t in TOOLS if t.name in pinned} == pinned


@pytest.mark.parametrize(("minimum", "verdict"), [("3.0.0", "ok"), ("99.0.0", "fail")])
def test_a_real_helm_is_judged_against_its_minimum(minimum: str, verdict: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(Path(tool("helm")).parent))
    finding = checks.tool_finding(Tool("deploy", "helm", minimum, ("version", "--template", "{{.Version}}"), "t"))
    assert finding.verdict == verdict, finding


def test_a_missing_tool_blocks_its_stage(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    assert checks.tool_finding(TOOLS[0]).verdict == "fail"


@pytest.mark.parametrize(
    ("context", "verdict"), [(None, "ok"), ("lab", "ok"), ("elsewhere", "fail")], ids=["current", "named", "unknown"]
)
def test_the_kubeconfig_and_its_context(tmp_path: Path, context: str | None, verdict: str) -> None:
    config = tmp_path / "config"
    config.write_text(
        "apiVersion: v1\nkind: Config\ncurrent-context: lab\n"
        "contexts:\n- name: lab\n  context: {cluster: c, user: u}\n",
        encoding="utf-8",
    )
    (finding,) = checks.kubeconfig_findings(str(config), context)
    assert finding.verdict == verdict, finding


def test_a_vault_address_that_refuses_blocks_bootstrap() -> None:
    assert checks.vault_finding("http://127.0.0.1:1", timeout=1).verdict == "fail"


@pytest.mark.parametrize(
    ("constraint", "verdict"),
    [(">=1.28.0-0", "ok"), ("<1.28.0", "fail"), (">= 1.25.0 < 1.29.0", "ok"), ("", "ok")],
)
def test_a_charts_kube_version_is_judged_against_the_cluster(constraint: str, verdict: str) -> None:
    catalog = load_catalog()  # kubernetes_version v1.28.5
    text = f"apiVersion: v2\nname: x\nversion: 1.0.0\nkubeVersion: {constraint!r}\n"
    (finding,) = [f for f in checks.skew_findings(catalog, {"charts/x/Chart.yaml": text}, False) if "x/" in f.check]
    assert finding.verdict == verdict, finding


@pytest.mark.parametrize(
    ("version", "constraint", "expected"),
    [
        ("v1.28.5", ">=1.23.0-0", True),
        ("v1.28.5", ">=1.29.0-0", False),
        ("v1.28.5", ">=1.22.0-0 <1.28.0-0", False),
        ("v1.28.5", ">=1.22.0-0, <1.29.0-0", True),
        ("v1.28.5", "~1.28.0", True),
        ("v1.28.5", "~1.27.0", False),
        ("v1.28.5", "^1.20", True),
        ("v1.28.5", "1.27.x || 1.28.x", True),
        ("v1.28.5", "1.20 - 1.27", False),
        ("v1.30.0", "<= 1.30.0", True),
    ],
)
def test_kube_version_constraints(version: str, constraint: str, expected: bool) -> None:
    assert satisfies(version, constraint) is expected
