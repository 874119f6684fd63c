"""cluster/: Node objects with the kubelet's allocatable, and the stand-ins of what the cluster installer runs."""

from __future__ import annotations

from typing import Any

import pytest

from builders import node
from hearth.catalog.loader import load_catalog
from hearth.catalog.models import Kubelet, Node
from hearth.render.cluster import node_allocatable, render_kube_system, render_nodes
from hearth.resolve import resolve
from hearth.resolve.records import Resolved

ANNOTATION = "hearth.dev"


@pytest.fixture(scope="module")
def seed() -> Resolved:
    """The packaged seed platform, resolved."""
    return resolve(load_catalog(None))


def _with_platform(resolved: Resolved, **update: Any) -> Resolved:
    platform = resolved.catalog.platform.model_copy(update=update)
    return resolve(resolved.catalog.model_copy(update={"platform": platform}))


@pytest.mark.parametrize(
    ("kubelet", "node", "expected"),
    [
        pytest.param(
            {}, node("8Gi", "50Gi"), {"cpu": "4", "memory": "8092Mi", "ephemeral-storage": "45Gi"}, id="defaults"
        ),
        pytest.param(
            {"kube_reserved": {"cpu": "100m", "memory": "256Mi"}},
            node("16Gi", "100Gi"),
            {"cpu": "3900m", "memory": "16028Mi", "ephemeral-storage": "90Gi"},
            id="millicores",
        ),
        pytest.param(
            {"eviction_hard": {"memory_available": "1k", "nodefs_available": "0%"}},
            node("1Gi", "1Gi", cpu=1),
            {"cpu": "1", "memory": str(2**30 - 1000), "ephemeral-storage": "1Gi"},
            id="bytes-when-no-unit-divides",
        ),
        pytest.param(
            {"system_reserved": {"cpu": "8", "memory": "16Gi"}},
            node("8Gi", "50Gi"),
            {"cpu": "0", "memory": "0", "ephemeral-storage": "45Gi"},
            id="clamped-at-zero",
        ),
    ],
)
def test_node_allocatable(kubelet: dict[str, Any], node: Node, expected: dict[str, str]) -> None:
    """Allocatable is written as the kubelet would report it, in the largest unit that divides it exactly."""
    assert node_allocatable(node, Kubelet.model_validate(kubelet)) == {**expected, "pods": "110"}


def test_seed_nodes_keep_capacity_and_report_allocatable(seed: Resolved) -> None:
    """Capacity stays as the seed states it; allocatable loses the kubelet's 100Mi memory eviction threshold."""
    nodes = {n["metadata"]["name"]: n["status"] for n in render_nodes(seed)}
    assert nodes["k8s-master-1"]["capacity"] == {
        "cpu": "4",
        "memory": "8Gi",
        "ephemeral-storage": "50Gi",
        "pods": "110",
    }
    assert nodes["k8s-master-1"]["allocatable"] == {
        "cpu": "4",
        "memory": "8092Mi",
        "ephemeral-storage": "45Gi",
        "pods": "110",
    }
    assert nodes["k8s-worker-1"]["allocatable"]["memory"] == "16284Mi"


def _pods(manifests: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {m["metadata"]["name"]: m for m in manifests if m["kind"] == "Pod"}


def test_seed_kube_system_stand_ins(seed: Resolved) -> None:
    """Static pods: one mirror Pod per node they run on, bound by nodeName; the rest one stand-in each."""
    manifests = render_kube_system(seed)
    services = [m for m in manifests if m["kind"] == "Service"]
    assert [(s["metadata"]["namespace"], s["metadata"]["name"], s["spec"]["selector"]) for s in services] == [
        ("kube-system", "kube-dns", {"k8s-app": "kube-dns"})
    ]
    pods = _pods(manifests)
    placement = {
        name: (
            p["metadata"]["annotations"][f"{ANNOTATION}/workload-kind"],
            p["metadata"]["annotations"][f"{ANNOTATION}/replicas"],
            p["spec"].get("nodeName"),
        )
        for name, p in pods.items()
    }
    assert placement == {
        "kube-apiserver-k8s-master-1": ("Pod", "1", "k8s-master-1"),
        "kube-controller-manager-k8s-master-1": ("Pod", "1", "k8s-master-1"),
        "kube-scheduler-k8s-master-1": ("Pod", "1", "k8s-master-1"),
        "nginx-proxy-k8s-worker-1": ("Pod", "1", "k8s-worker-1"),
        "nginx-proxy-k8s-worker-2": ("Pod", "1", "k8s-worker-2"),
        "calico-node": ("DaemonSet", "1", None),
        "kube-proxy": ("DaemonSet", "1", None),
        "nodelocaldns": ("DaemonSet", "1", None),
        "coredns": ("Deployment", "2", None),
        "dns-autoscaler": ("Deployment", "1", None),
        "calico-kube-controllers": ("Deployment", "1", None),
    }
    assert all(p["metadata"]["namespace"] == "kube-system" for p in pods.values())
    assert all(p["metadata"]["annotations"][f"{ANNOTATION}/stand-in"] for p in pods.values())


def test_stand_in_pod_specs(seed: Resolved) -> None:
    """Requests as the installer sets them (none written for zero), host network, tolerations, ports."""
    pods = _pods(render_kube_system(seed))
    apiserver = pods["kube-apiserver-k8s-master-1"]["spec"]
    assert apiserver["containers"][0]["resources"] == {"requests": {"cpu": "250m"}}
    assert apiserver["hostNetwork"] is True
    assert apiserver["tolerations"] == [{"operator": "Exists", "effect": "NoExecute"}]
    assert "resources" not in pods["kube-proxy"]["spec"]["containers"][0]
    calico = pods["calico-node"]["spec"]
    assert calico["containers"][0]["resources"] == {"requests": {"cpu": "150m", "memory": "64M"}}
    assert calico["tolerations"] == [{"operator": "Exists"}]
    coredns = pods["coredns"]
    assert coredns["metadata"]["labels"] == {"k8s-app": "kube-dns"}
    assert "hostNetwork" not in coredns["spec"]
    assert coredns["spec"]["tolerations"] == [
        {"key": "node-role.kubernetes.io/control-plane", "operator": "Equal", "effect": "NoSchedule"}
    ]
    ports = [(p["name"], p["containerPort"], p["protocol"]) for p in coredns["spec"]["containers"][0]["ports"]]
    assert ports == [("dns", 53, "UDP"), ("dns-tcp", 53, "TCP"), ("metrics", 9153, "TCP")]


def test_without_system_pods_coredns_is_still_described(seed: Resolved) -> None:
    """A catalog stating no system pods keeps kube-dns and a CoreDNS stand-in (no requests) behind it."""
    manifests = render_kube_system(_with_platform(seed, system_pods=[]))
    assert [(m["kind"], m["metadata"]["name"]) for m in manifests] == [("Service", "kube-dns"), ("Pod", "coredns")]
    coredns = manifests[1]
    assert coredns["metadata"]["labels"] == {"k8s-app": "kube-dns"}
    assert "resources" not in coredns["spec"]["containers"][0]


def test_static_pods_follow_the_control_plane(seed: Resolved) -> None:
    """A second control-plane node gets its own mirror Pods; a node turned worker gets nginx-proxy instead."""
    master, worker, other = seed.catalog.platform.nodes
    promoted = worker.model_copy(update={"role": "control-plane"})
    pods = _pods(render_kube_system(_with_platform(seed, nodes=[master, promoted, other])))
    assert {n for n in pods if n.startswith("kube-apiserver-")} == {
        "kube-apiserver-k8s-master-1",
        "kube-apiserver-k8s-worker-1",
    }
    assert {n for n in pods if n.startswith("nginx-proxy-")} == {"nginx-proxy-k8s-worker-2"}
