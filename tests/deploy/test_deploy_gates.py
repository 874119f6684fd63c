"""Each gate holds what comes after it until the cluster reports it passed; the gates come from the graph."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from deploykit import Cluster, crd, deployment, run_engine, write_build

from hearth.catalog.loader import load_catalog
from hearth.commands.render import render
from hearth.deploy.engine import Event
from hearth.deploy.gates import (
    BootstrapMarker,
    ClusterIssuerReady,
    CrdsEstablished,
    Gate,
    HelmTests,
    ProviderHealthy,
    ReleaseGates,
    RolledOut,
    WebhookServing,
    plan_gates,
)
from hearth.deploy.releases import load_build
from hearth.resolve import resolve

CLUSTER_ISSUER_CRD = {
    "apiVersion": "apiextensions.k8s.io/v1",
    "kind": "CustomResourceDefinition",
    "metadata": {"name": "clusterissuers.cert-manager.io"},
    "spec": {
        "group": "cert-manager.io",
        "names": {"kind": "ClusterIssuer", "plural": "clusterissuers"},
        "scope": "Cluster",
        "versions": [{"name": "v1", "served": True, "storage": True}],
    },
}


def ready_issuer(cluster: Cluster) -> None:
    cluster.fake.put(
        {
            "apiVersion": "cert-manager.io/v1",
            "kind": "ClusterIssuer",
            "metadata": {"name": "vault-pki"},
            "status": {"conditions": [{"type": "Ready", "status": "True"}]},
        }
    )


@dataclass(frozen=True)
class GateCase:
    """A gate on the provider (``after``) or on its dependant (``before``), how it starts closed and opens."""

    name: str
    gate: Gate
    on_dependant: bool
    close: Callable[[Cluster], None]
    open: Callable[[Cluster], None]
    crd_groups: tuple[str, ...] = ()


def _no_crd_established(cluster: Cluster) -> None:
    cluster.fake.establish_crds = False
    cluster.script({"ns/p": {"template": [crd("example.io")]}})


CASES = [
    GateCase(
        "CRDs applied server-side, then Established",
        CrdsEstablished(("example.io",)),
        False,
        _no_crd_established,
        lambda c: c.fake.put(crd("example.io")),
        crd_groups=("example.io",),
    ),
    GateCase(
        "workloads rolled out",
        RolledOut(),
        False,
        lambda c: c.script({"ns/p": {"objects": [deployment("p", ready=False)]}}),
        lambda c: c.fake.put({**deployment("p"), "metadata": {"name": "p", "namespace": "ns", "generation": 1}}),
    ),
    GateCase(
        "admission webhook Service has ready endpoints",
        WebhookServing("ns", "p-webhook"),
        False,
        lambda c: c.fake.put(
            {"apiVersion": "v1", "kind": "Endpoints", "metadata": {"name": "p-webhook", "namespace": "ns"}}
        ),
        lambda c: c.fake.put(
            {
                "apiVersion": "v1",
                "kind": "Endpoints",
                "metadata": {"name": "p-webhook", "namespace": "ns"},
                "subsets": [{"addresses": [{"ip": "10.0.0.9"}]}],
            }
        ),
    ),
    GateCase(
        "Vault initialized and unsealed (sys/health 200)",
        ProviderHealthy("vault", "ns", "vault", 8200, "/v1/sys/health"),
        True,
        lambda c: c.fake.proxy.update({("ns", "vault", "/v1/sys/health"): (503, '{"sealed": true}')}),
        lambda c: c.fake.proxy.update({("ns", "vault", "/v1/sys/health"): (200, '{"sealed": false}')}),
    ),
    GateCase(
        "hearth bootstrap marker",
        BootstrapMarker("vault"),
        True,
        lambda c: None,
        lambda c: c.fake.put(
            {
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "metadata": {"name": "hearth-bootstrap", "namespace": "hearth"},
                "data": {"providers": "vault"},
            }
        ),
    ),
    GateCase(
        "ClusterIssuer Ready",
        ClusterIssuerReady("vault-pki"),
        False,
        lambda c: c.fake.put(CLUSTER_ISSUER_CRD),
        ready_issuer,
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_a_gate_holds_the_dependant_until_it_passes(cluster: Cluster, tmp_path: Path, case: GateCase) -> None:
    build = write_build(tmp_path / "build", {"ns/p": [], "ns/dep": ["ns/p"], "ns/other": []})
    case.close(cluster)
    gates = {"ns/p": ReleaseGates(crd_groups=case.crd_groups), "ns/dep": ReleaseGates(), "ns/other": ReleaseGates()}
    holder = "ns/dep" if case.on_dependant else "ns/p"
    (gates[holder].before if case.on_dependant else gates[holder].after).append(case.gate)
    events: list[Event] = []
    result: list[object] = []
    runner = threading.Thread(target=lambda: result.append(run_engine(cluster, build, gates, events=events)))
    runner.start()
    deadline = time.monotonic() + 8
    while not any(e.key == holder and e.state == "gating" for e in list(events)) and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(0.2)
    assert "ns/dep" not in cluster.installs(), "the dependant started before the gate passed"
    assert "ns/other" in cluster.installs(), "an independent release was held too"
    opened = time.monotonic()
    case.open(cluster)
    runner.join(10)
    outcome = result[0]
    assert getattr(outcome, "ok", False), outcome
    start_of_dep = next(c["start"] for c in cluster.calls("upgrade") if c["release"] == "ns/dep")
    assert start_of_dep >= opened


@pytest.mark.parametrize(("test_fails", "dependant"), [(False, "done"), (True, "blocked")])
def test_helm_tests_gate_the_dependants_with_test(
    cluster: Cluster, tmp_path: Path, test_fails: bool, dependant: str
) -> None:
    build = write_build(tmp_path / "build", {"ns/p": [], "ns/dep": ["ns/p"]})
    cluster.script({"ns/p": {"test_fail": test_fails}})
    gates = {"ns/p": ReleaseGates(after=[HelmTests()]), "ns/dep": ReleaseGates()}
    outcome = run_engine(cluster, build, gates)
    assert outcome.states["ns/dep"].state == dependant
    assert [c["release"] for c in cluster.calls("test")] == ["ns/p"]


@pytest.fixture(scope="module")
def seed_gates(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[str]]:
    """The seed platform's gates per release, described."""
    catalog = load_catalog(None)
    out = tmp_path_factory.mktemp("seed") / "build"
    render(catalog, out)
    gates = plan_gates(resolve(catalog), load_build(out))
    return {k: [g.describe() for g in [*v.before, *v.after]] for k, v in gates.items()}


@pytest.mark.parametrize(
    ("release", "gate"),
    [
        ("service/cert-manager", "CRDs Established: cert-manager.io"),
        ("service/monitoring", "CRDs Established: monitoring.coreos.com"),
        ("ingress/traefik", "CRDs Established: traefik.io"),
        ("service/monitoring", "webhook Service service/"),
        ("service/consul", "webhook Service service/"),
        ("service/cert-manager-hearth", "ClusterIssuer vault-pki Ready"),
        ("db/postgresql", "vault healthy (vault.service:8200/v1/sys/health)"),
        ("db/postgresql", "hearth bootstrap done for vault"),
        ("db/postgresql", "workloads rolled out"),
    ],
)
def test_the_seed_gates_come_from_the_graph(seed_gates: dict[str, list[str]], release: str, gate: str) -> None:
    assert any(g.startswith(gate) for g in seed_gates[release]), seed_gates[release]


def test_vault_itself_does_not_wait_for_its_own_bootstrap(seed_gates: dict[str, list[str]]) -> None:
    assert not any("bootstrap" in g for g in seed_gates["service/vault"])
