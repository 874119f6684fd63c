"""``hearth check`` on the real seed build: rendered from the packaged catalog into a temporary directory."""

from __future__ import annotations

from pathlib import Path

import pytest

from hearth.catalog.loader import load_catalog
from hearth.commands.render import render
from hearth.verify.report import SECTIONS, CheckReport, run_check


@pytest.fixture(scope="module")
def seed_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seed platform rendered as `hearth render --out` writes it."""
    out = tmp_path_factory.mktemp("seed") / "build"
    render(load_catalog(None), out)
    return out


@pytest.fixture(scope="module")
def seed_report(seed_build: Path) -> CheckReport:
    """The check report of the seed build."""
    return run_check(seed_build)


def test_all_five_sections_are_present(seed_report: CheckReport) -> None:
    """Every section is computed and serialised, with a status and a summary."""
    data = seed_report.to_json()
    sections = data["sections"]
    assert isinstance(sections, dict) and list(sections) == list(SECTIONS)
    for key in SECTIONS:
        assert sections[key]["status"] in ("pass", "warn", "fail")
        assert sections[key]["summary"]
    assert seed_report.dumps() == run_check(seed_report.build_dir).dumps()


def test_no_extra_and_no_missing_flows(seed_report: CheckReport) -> None:
    """Zero trust on the seed: every allowed flow is intended and every intended flow is allowed."""
    assert [str(f.flow) for f in seed_report.zero_trust.extra] == []
    assert [str(f.flow) for f in seed_report.zero_trust.missing] == []


def test_intent_resolves(seed_report: CheckReport) -> None:
    """Every connects-to, route, monitor and DNS intent of the seed resolves to pods and ports."""
    assert seed_report.zero_trust.unresolved == []
    assert seed_report.zero_trust.missing == []


def test_statements_measure_the_document(seed_report: CheckReport) -> None:
    """Node totals hold; the stated dependency chain is contradicted by Authentik needing the databases."""
    verdicts = {s.key: s for s in seed_report.statements.statements}
    for key in ("nodes.cpu_total", "nodes.memory_total", "nodes.disk_total"):
        assert verdicts[key].holds, verdicts[key]
    chain = verdicts["dependency-chain"]
    assert chain.holds is False
    assert {"earlier": "authentik", "earlier_step": 6, "needs": "postgresql", "later_step": 7} in chain.items


def test_system_pods_are_placed_where_the_cluster_runs_them(seed_report: CheckReport) -> None:
    """Control-plane static pods on the master, nginx-proxy on each worker, the DaemonSets on every node, and
    allocatable below capacity by the kubelet's eviction threshold."""
    nodes = {n.name: n for n in seed_report.capacity.nodes}
    for name in ("kube-apiserver", "kube-controller-manager", "kube-scheduler"):
        assert f"kube-system/{name}-k8s-master-1" in nodes["k8s-master-1"].pods
    for worker in ("k8s-worker-1", "k8s-worker-2"):
        assert f"kube-system/nginx-proxy-{worker}" in nodes[worker].pods
    for node in nodes.values():
        daemons = sorted(p for p in node.pods if p.startswith("kube-system/") and "@" in p)
        assert daemons == [f"kube-system/{ds}@{node.name}" for ds in ("calico-node", "kube-proxy", "nodelocaldns")]
    placed = [p for n in nodes.values() for p in n.pods if p.startswith("kube-system/")]
    assert sorted(p for p in placed if "coredns" in p) == ["kube-system/coredns#0", "kube-system/coredns#1"]
    assert nodes["k8s-master-1"].memory_allocatable == 8 * 2**30 - 100 * 2**20
    assert nodes["k8s-master-1"].cpu_allocatable == 4000


def test_cluster_stand_ins_add_no_extra_flows(seed_report: CheckReport) -> None:
    """kube-system is not a namespace hearth renders: allowed flows into it that no rule intends are listed
    apart as unmanaged, never as extra; every such flow ends at a kube-system pod."""
    assert seed_report.zero_trust.unmanaged
    assert all(f.flow.dst.startswith("kube-system/") for f in seed_report.zero_trust.unmanaged)
