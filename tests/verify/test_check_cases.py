"""``hearth check`` on hand-written builds: the compliant fixture, and one case per kind of finding.

See tests/fixtures/check/README.md for the case format: each case overlays files on a copy of the compliant
build and states exactly what each section must report.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from hearth.verify.compliance import FEATURES
from hearth.verify.report import SECTIONS, CheckReport, run_check

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "check"
COMPLIANT = FIXTURES / "compliant"
CASES = sorted(p for p in (FIXTURES / "cases").iterdir() if (p / "case.yaml").is_file())
BASELINE = {
    "zero_trust": "pass",
    "compliance": "pass",
    "capacity": "warn",
    "backups": "pass",
    "statements": "pass",
    "north_south": "pass",
    # the database's metrics have no alert, no log collector runs, no backup is alerted about
    "observability": "warn",
    # no Vault reads, no named Secrets, no plaintext credential in the hand-written build
    "secrets": "pass",
}


def _build(case: Path, tmp_path: Path) -> tuple[Path, dict[str, Any]]:
    """A copy of the compliant build with the case's files laid over it, and the case's expectations."""
    spec = yaml.safe_load((case / "case.yaml").read_text(encoding="utf-8"))
    out = tmp_path / "build"
    shutil.copytree(COMPLIANT, out)
    for rel in spec.get("remove") or []:
        (out / rel).unlink()
    for path in sorted(case.rglob("*")):
        if path.is_file() and path.name != "case.yaml":
            target = out / path.relative_to(case)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
    return out, spec.get("expect") or {}


def _flows(findings: list[Any]) -> list[str]:
    return sorted(str(f.flow) for f in findings)


def _compliance_cells(report: CheckReport) -> list[str]:
    cells = []
    for chart in report.compliance.charts:
        for workload in chart.workloads:
            cells += [
                f"{workload.endpoint} {feature} {workload.features[feature].status}"
                for feature in FEATURES
                if workload.features[feature].status in ("fail", "exception")
            ]
        for feature in FEATURES:
            if chart.features[feature].status == "fail" and not any(
                w.features[feature].status == "fail" for w in chart.workloads
            ):
                cells.append(f"{chart.chart} {feature} fail")
    return sorted(cells)


def test_compliant_build_passes() -> None:
    """The compliant fixture passes every check; its only warning is the database bound to worker-1 (N-1)."""
    report = run_check(COMPLIANT)
    assert not report.failed
    assert {key: report.status(key) for key in SECTIONS} == BASELINE
    assert report.zero_trust.intended == 23 and report.zero_trust.allowed == 25
    assert [str(f.flow) for f in report.zero_trust.unmanaged] == [
        "192.168.1.10 -> kube-system/coredns 53/TCP",
        "192.168.1.10 -> kube-system/coredns 53/UDP",
    ]
    assert report.capacity.warnings == [
        "losing worker-1: 1 pods are bound to it by node-local PVCs and cannot move (db/db)"
    ]
    assert all(s.holds for s in report.statements.statements)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_case(case: Path, tmp_path: Path) -> None:
    """Each case reports exactly the findings its case.yaml states, and nothing else."""
    build, expect = _build(case, tmp_path)
    report = run_check(build)
    assert report.failed is expect.get("failed", False)
    statements = {"statements": "warn" if expect.get("contradicted") else "pass"}
    assert {key: report.status(key) for key in SECTIONS} == {**BASELINE, **statements, **(expect.get("sections") or {})}
    assert _flows(report.zero_trust.extra) == sorted(expect.get("extra") or [])
    assert _flows(report.zero_trust.missing) == sorted(expect.get("missing") or [])
    unresolved = sorted(f"{u.source} {u.statement}" for u in report.zero_trust.unresolved)
    assert unresolved == sorted(expect.get("unresolved") or [])
    assert _compliance_cells(report) == sorted(expect.get("compliance") or [])
    assert report.capacity.unplaced == sorted(expect.get("unplaced") or [])
    backups = sorted(f"{w.workload} {w.status}" for w in report.backups.workloads if w.status != "pass")
    assert backups == sorted(expect.get("backups") or ["mon/prometheus exempt"])
    contradicted = sorted(s.key for s in report.statements.statements if s.holds is False)
    assert contradicted == sorted(expect.get("contradicted") or [])


def test_missing_flows_name_the_denying_side(tmp_path: Path) -> None:
    """A missing flow says which policy side denies it: the web pod's egress, the web pod's ingress."""
    build, _ = _build(FIXTURES / "cases" / "missing-policy", tmp_path)
    causes = {str(f.flow): f.cause for f in run_check(build).zero_trust.missing}
    assert causes == {
        "app/web -> db/db 5432/TCP": "denied by source egress",
        "app/web-test -> app/web 8080/TCP": "denied by destination ingress",
    }
    reasons = {str(f.flow): f.reasons for f in run_check(build).zero_trust.missing}
    assert reasons["app/web -> db/db 5432/TCP"] == ("connects-to db/db:postgres",)


def test_does_not_fit_is_a_failure_but_n_minus_one_only_warns(tmp_path: Path) -> None:
    """Pods that fit nowhere fail; N-1 findings are warnings in the JSON, never the failure reason."""
    build, _ = _build(FIXTURES / "cases" / "does-not-fit", tmp_path)
    data = run_check(build).to_json()
    capacity = data["sections"]["capacity"]  # type: ignore[index]
    assert capacity["status"] == "fail" and capacity["unplaced"] == ["app/web#0", "app/web#1"]
    assert all(loss["fits"] for loss in capacity["n_minus_one"])


def test_report_is_deterministic_and_json_serialisable() -> None:
    """Two runs over one build give identical JSON, with the five sections under stable keys."""
    first, second = run_check(COMPLIANT).dumps(), run_check(COMPLIANT).dumps()
    assert first == second
    data = json.loads(first)
    assert list(data) == ["build", "index", "nodes", "failed", "verdict", "findings", "sections"]
    assert data["index"] == "none: written by hand, audited as it is"
    assert list(data["sections"]) == list(SECTIONS)
    for section in data["sections"].values():
        assert {"status", "summary"} <= set(section)
