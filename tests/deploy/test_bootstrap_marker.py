"""``hearth bootstrap``'s last step writes the marker ConfigMap the deploy engine's BootstrapMarker gate waits on,
through the official client against the fake API server; the gate then passes for the providers named."""

from __future__ import annotations

from deploykit import Cluster

from hearth.bootstrap.marker import marker_step
from hearth.bootstrap.runner import run_steps
from hearth.deploy.gates import BOOTSTRAP_MARKER, HEARTH_NAMESPACE, BootstrapMarker, GateContext
from hearth.deploy.releases import Release


def _providers(cluster: Cluster) -> list[str]:
    marker = cluster.kube().get("v1", "ConfigMap", BOOTSTRAP_MARKER, HEARTH_NAMESPACE)
    assert marker is not None
    return str(marker["data"]["providers"]).split()


def test_marker_is_created_then_unchanged_then_merged(cluster: Cluster) -> None:
    first = run_steps([marker_step(cluster.kube, ["vault", "postgresql"])])
    assert [str(r.status) for r in first] == ["created"], first
    assert _providers(cluster) == ["postgresql", "vault"]
    again = run_steps([marker_step(cluster.kube, ["postgresql", "vault"])])
    assert [str(r.status) for r in again] == ["unchanged"]
    merged = run_steps([marker_step(cluster.kube, ["valkey"])])
    assert [str(r.status) for r in merged] == ["created"]
    assert _providers(cluster) == ["postgresql", "valkey", "vault"]


def test_the_deploy_gate_passes_once_the_marker_names_the_provider(cluster: Cluster) -> None:
    ctx = GateContext(cluster.kube(), None, Release.__new__(Release))  # type: ignore[arg-type]
    assert not BootstrapMarker("vault").check(ctx).passed
    run_steps([marker_step(cluster.kube, ["vault"])])
    assert BootstrapMarker("vault").check(ctx).passed
    assert not BootstrapMarker("valkey").check(ctx).passed


def test_a_dry_run_plans_the_marker_and_writes_nothing(cluster: Cluster) -> None:
    planned = run_steps([marker_step(cluster.kube, ["vault"])], dry_run=True)
    assert [str(r.status) for r in planned] == ["planned"] and "add vault" in planned[0].changes[0]
    assert cluster.kube().get("v1", "ConfigMap", BOOTSTRAP_MARKER, HEARTH_NAMESPACE) is None
