"""The platform's kubelet reservations and system pods: model rules, allocatable arithmetic, the seed's data."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from builders import node
from hearth.catalog.checks import platform_problems, system_pod_problems
from hearth.catalog.loader import load_catalog
from hearth.catalog.models import EvictionHard, Kubelet, KubeletReservation, Node, Reserved, SystemPod

MI, GI = 2**20, 2**30


@pytest.mark.parametrize(
    ("reservation", "node", "expected"),
    [
        pytest.param({}, node(), (4000, 8 * GI - 100 * MI, 45 * GI), id="kubelet-defaults"),
        pytest.param(
            {"eviction_hard": {"memory_available": "0", "nodefs_available": "0%"}},
            node(),
            (4000, 8 * GI, 50 * GI),
            id="nothing-kept-back",
        ),
        pytest.param(
            {
                "kube_reserved": {"cpu": "100m", "memory": "256Mi"},
                "system_reserved": {"cpu": "500m", "memory": "512Mi"},
            },
            node(),
            (3400, 8 * GI - 868 * MI, 45 * GI),
            id="kubespray-reserved-worker",
        ),
        pytest.param(
            {"eviction_hard": {"memory_available": "5%", "nodefs_available": "15%"}},
            node(memory="10Gi", disk="100Gi"),
            (4000, 10 * GI - 512 * MI, 85 * GI),
            id="percent-thresholds",
        ),
        pytest.param(
            {"eviction_hard": {"memory_available": "1G", "nodefs_available": "1Gi"}},
            node(),
            (4000, 8 * GI - 10**9, 49 * GI),
            id="decimal-and-absolute",
        ),
        pytest.param(
            {"kube_reserved": {"cpu": "3", "memory": "6Gi"}, "system_reserved": {"cpu": "2", "memory": "2Gi"}},
            node(),
            (0, 0, 45 * GI),
            id="more-than-capacity-leaves-zero",
        ),
    ],
)
def test_allocatable(reservation: dict[str, Any], node: Node, expected: tuple[int, int, int]) -> None:
    """Allocatable = capacity - kube-reserved - system-reserved - hard eviction, per resource, never below zero."""
    assert KubeletReservation.model_validate(reservation).allocatable(node) == expected


@pytest.mark.parametrize(
    ("kubelet", "role", "expected_cpu"),
    [
        pytest.param({}, "control-plane", 4000, id="no-override"),
        pytest.param({"control_plane": {"kube_reserved": {"cpu": "200m"}}}, "control-plane", 3800, id="override"),
        pytest.param({"control_plane": {"kube_reserved": {"cpu": "200m"}}}, "worker", 4000, id="worker-unaffected"),
        pytest.param({"kube_reserved": {"cpu": "100m"}}, "control-plane", 3900, id="shared-reservation"),
    ],
)
def test_control_plane_reservation(kubelet: dict[str, Any], role: str, expected_cpu: int) -> None:
    """Control-plane nodes take ``control_plane`` when stated (kubespray's kube_master_* values), else the rest."""
    host = node(role=role)
    assert Kubelet.model_validate(kubelet).for_node(host).allocatable(host)[0] == expected_cpu


@pytest.mark.parametrize(
    ("model", "data", "message"),
    [
        pytest.param(Reserved, {"memory": "256 MB"}, "is not a Kubernetes quantity", id="reserved-quantity"),
        pytest.param(EvictionHard, {"memory_available": "100MB"}, "is not a Kubernetes quantity", id="threshold"),
        pytest.param(EvictionHard, {"nodefs_available": "110%"}, "is not a percentage", id="percent-over-100"),
        pytest.param(EvictionHard, {"nodefs_available": "-5%"}, "is not a percentage", id="percent-negative"),
        pytest.param(Kubelet, {"kube_reserved": {"gpu": "1"}}, "Extra inputs", id="unknown-resource"),
    ],
)
def test_bad_reservations_are_rejected(model: type[Any], data: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        model.model_validate(data)


_POD: dict[str, Any] = {
    "name": "agent",
    "kind": "DaemonSet",
    "labels": {"k8s-app": "agent"},
    "image": {"repository": "registry.example/agent", "tag": "v1"},
    "requests": {"cpu": "100m", "memory": "64Mi"},
    "source": "an installer's defaults/main.yml: agent_cpu_requests",
}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        pytest.param({"kind": "ReplicaSet"}, "Input should be 'DaemonSet', 'Deployment' or 'StaticPod'", id="kind"),
        pytest.param({"replicas": 0, "kind": "Deployment"}, "greater than or equal to 1", id="zero-replicas"),
        pytest.param({"labels": {}}, "at least 1 item", id="no-labels"),
        pytest.param({"source": ""}, "at least 10 characters", id="no-source"),
        pytest.param({"image": {"repository": "r", "tag": "latest"}}, "tag must be pinned", id="latest"),
        pytest.param({"requests": {"cpu": "a lot", "memory": "1Gi"}}, "is not a Kubernetes quantity", id="requests"),
        pytest.param({"tolerations": [{"operator": "Exists", "value": "x"}]}, "takes no value", id="exists-value"),
        pytest.param({"tolerations": [{"effect": "NoSchedule"}]}, "needs a key", id="equal-without-key"),
    ],
)
def test_malformed_system_pods_are_rejected(change: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        SystemPod.model_validate({**_POD, **change})


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        pytest.param(
            {"replicas": 2},
            (("replicas",), "replicas is for Deployments; a DaemonSet runs one pod per node"),
            id="ds-replicas",
        ),
        pytest.param(
            {"kind": "StaticPod", "replicas": 3},
            (("replicas",), "replicas is for Deployments; a StaticPod runs one pod per node"),
            id="static-replicas",
        ),
        pytest.param({"nodes": "control-plane"}, (("nodes",), "nodes restricts static pods"), id="ds-nodes"),
        pytest.param(
            {"kind": "Deployment", "nodes": "worker"}, (("nodes",), "nodes restricts static pods"), id="deploy-nodes"
        ),
        pytest.param(
            {"ports": [{"name": "dns", "port": 53, "protocol": "UDP"}, {"name": "dns", "port": 53}]},
            (("ports", 1, "name"), "port name 'dns' is declared twice"),
            id="ports",
        ),
        pytest.param(
            {"host_network": True, "ports": [{"name": "dns", "port": 53, "protocol": "UDP"}]},
            (("ports",), "a host-network pod listens on the node's address"),
            id="host-network-ports",
        ),
    ],
)
def test_incoherent_system_pods_are_rejected(change: dict[str, Any], problem: tuple[tuple[Any, ...], str]) -> None:
    """A shape-valid pod whose fields contradict each other: one problem, at the field it is about."""
    problems = system_pod_problems(SystemPod.model_validate({**_POD, **change}))
    assert len(problems) == 1, problems
    (loc, message), (want_loc, want_message) = problems[0], problem
    assert loc == want_loc and message.startswith(want_message), problems


def test_a_valid_system_pod_has_no_problems() -> None:
    assert system_pod_problems(SystemPod.model_validate(_POD)) == []


@pytest.mark.parametrize(
    ("change", "role", "runs"),
    [
        pytest.param({}, "control-plane", True, id="daemonset-everywhere"),
        pytest.param({"kind": "Deployment", "replicas": 2}, "worker", True, id="deployment-anywhere"),
        pytest.param({"kind": "StaticPod", "nodes": "control-plane"}, "control-plane", True, id="static-cp-on-cp"),
        pytest.param({"kind": "StaticPod", "nodes": "control-plane"}, "worker", False, id="static-cp-on-worker"),
        pytest.param({"kind": "StaticPod", "nodes": "worker"}, "control-plane", False, id="static-worker-on-cp"),
        pytest.param({"kind": "StaticPod"}, "worker", True, id="static-all"),
    ],
)
def test_system_pod_fields_and_where_it_runs(change: dict[str, Any], role: str, runs: bool) -> None:
    """Valid kinds load with their defaults (kube-system, no ports); ``runs_on`` follows ``nodes`` for static pods."""
    pod = SystemPod.model_validate({**_POD, **change})
    assert pod.namespace == "kube-system" and pod.ports == [] and not pod.host_network
    assert pod.runs_on(node(role=role)) is runs


def test_seed_states_kubesprays_defaults() -> None:
    """The packaged seed: nothing reserved, the kubelet's 100Mi eviction, and the pods kubespray deploys."""
    platform = load_catalog(None).platform
    assert platform.kubelet == Kubelet(
        kube_reserved=Reserved(cpu="0", memory="0"),
        system_reserved=Reserved(cpu="0", memory="0"),
        eviction_hard=EvictionHard(memory_available="100Mi", nodefs_available="10%"),
    )
    pods = {p.name: p for p in platform.system_pods}
    summary = {name: (p.kind, p.nodes, p.replicas, p.requests.cpu if p.requests else None) for name, p in pods.items()}
    assert summary == {
        "kube-apiserver": ("StaticPod", "control-plane", 1, "250m"),
        "kube-controller-manager": ("StaticPod", "control-plane", 1, "200m"),
        "kube-scheduler": ("StaticPod", "control-plane", 1, "100m"),
        "nginx-proxy": ("StaticPod", "worker", 1, "25m"),
        "calico-node": ("DaemonSet", "all", 1, "150m"),
        "kube-proxy": ("DaemonSet", "all", 1, None),
        "nodelocaldns": ("DaemonSet", "all", 1, "100m"),
        "coredns": ("Deployment", "all", 2, "100m"),
        "dns-autoscaler": ("Deployment", "all", 1, "20m"),
        "calico-kube-controllers": ("Deployment", "all", 1, "30m"),
    }
    assert pods["coredns"].labels == {"k8s-app": "kube-dns"}
    assert all(p.source for p in platform.system_pods)


def test_a_system_pod_listed_twice_is_rejected() -> None:
    """Two system pods with one namespace/name would be one stand-in written twice."""
    platform = load_catalog(None).platform
    data = platform.model_dump(by_alias=True)
    data["system_pods"].append(data["system_pods"][0])
    problems = platform_problems(type(platform).model_validate(data))
    last = len(data["system_pods"]) - 1
    assert (("system_pods", last, "name"), "system pod kube-system/kube-apiserver is listed twice") in problems
