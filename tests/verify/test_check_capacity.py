"""Capacity: the scheduler-like placement (fit, LeastAllocated, tie-break, taints), DaemonSets, N-1 and storage."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from hearth.verify.build.audit import NodeInfo, load_build
from hearth.verify.capacity import NONZERO_CPU, NONZERO_MEMORY, PlacedPod, audit_capacity, place

GI = 2**30


def _node(name: str, cpu: int = 2000, memory: int = 4 * GI, **extra: Any) -> NodeInfo:
    fields: dict[str, Any] = {
        "name": name,
        "labels": {},
        "cpu": cpu,
        "memory": memory,
        "pods": 110,
        "cpu_capacity": cpu,
        "memory_capacity": memory,
        "disk": 10 * GI,
        "internal_ips": (),
        "unschedulable": False,
        "taints": (),
    }
    fields.update(extra)
    return NodeInfo(**fields)


def _pod(name: str, cpu: int, memory: int, **extra: Any) -> PlacedPod:
    return PlacedPod(name, name, cpu, memory, cpu or NONZERO_CPU, memory or NONZERO_MEMORY, (), **extra)


def test_least_allocated_spreads_and_ties_go_to_the_first_name() -> None:
    """Equal nodes: the first pod goes to the first name, the next to the emptier node."""
    placement, unplaced = place([_node("b"), _node("a")], [_pod("p1", 500, GI), _pod("p2", 500, GI)])
    assert unplaced == []
    assert [p.name for p in placement["a"]] == ["p1"] and [p.name for p in placement["b"]] == ["p2"]


def test_fit_is_on_requests_against_allocatable() -> None:
    """A pod fits when its cpu and memory requests fit what is left; zero requests always fit."""
    placement, unplaced = place(
        [_node("a", cpu=1000, memory=GI)], [_pod("big", 800, GI // 2), _pod("too-big", 300, 0), _pod("free", 0, 0)]
    )
    assert [p.name for p in placement["a"]] == ["big", "free"]
    assert [p.name for p in unplaced] == ["too-big"]


def test_scores_use_non_zero_requests() -> None:
    """Pods requesting nothing still count 100m/200Mi when scoring, so they spread instead of piling up."""
    placement, _ = place([_node("a"), _node("b")], [_pod("x", 0, 0), _pod("y", 0, 0)])
    assert [p.name for p in placement["a"]] == ["x"] and [p.name for p in placement["b"]] == ["y"]


def test_taints_selectors_slots_and_unschedulable_nodes_filter() -> None:
    """NoSchedule taints need a toleration; nodeSelector must match; pod slots and cordoned nodes count."""
    taint = ({"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"},)
    nodes = [_node("cp", taints=taint), _node("w", pods=1, labels={"disk": "ssd"}), _node("off", unschedulable=True)]
    tolerate = ({"key": "node-role.kubernetes.io/control-plane", "operator": "Exists", "effect": "NoSchedule"},)
    pods = [
        _pod("on-w", 100, GI, node_selector={"disk": "ssd"}),
        _pod("nowhere", 100, GI, node_selector={"disk": "ssd"}),
        _pod("tolerates", 100, GI, tolerations=tolerate),
        _pod("plain", 100, GI),
    ]
    placement, unplaced = place(nodes, pods)
    assert [p.name for p in placement["w"]] == ["on-w"]
    assert [p.name for p in placement["cp"]] == ["tolerates"]
    assert placement["off"] == []
    assert [p.name for p in unplaced] == ["nowhere", "plain"]


def _write(tmp_path: Path, objects: list[dict[str, Any]], nodes: list[dict[str, Any]]) -> Path:
    (tmp_path / "manifests").mkdir()
    (tmp_path / "cluster").mkdir()
    (tmp_path / "manifests" / "all.yaml").write_text(yaml.safe_dump_all(objects), encoding="utf-8")
    (tmp_path / "cluster" / "nodes.yaml").write_text(yaml.safe_dump_all(nodes), encoding="utf-8")
    return tmp_path


def _node_doc(name: str, disk: str = "10Gi", **spec: Any) -> dict[str, Any]:
    amounts = {"cpu": "2", "memory": "4Gi", "ephemeral-storage": disk, "pods": "110"}
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {"name": name},
        "spec": spec,
        "status": {"capacity": amounts, "allocatable": amounts},
    }


def _workload(kind: str, name: str, cpu: str, replicas: int | None = None, **spec: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "template": {
            "metadata": {"labels": {"app": name}},
            "spec": {
                "initContainers": [{"name": "init", "resources": {"requests": {"cpu": "600m", "memory": "1Mi"}}}],
                "containers": [{"name": name, "resources": {"requests": {"cpu": cpu, "memory": "100Mi"}}}],
            },
        },
        **spec,
    }
    if replicas is not None:
        body["replicas"] = replicas
    return {"apiVersion": "apps/v1", "kind": kind, "metadata": {"name": name, "namespace": "ns"}, "spec": body}


def test_daemonsets_replicas_init_containers_and_claim_templates(tmp_path: Path) -> None:
    """DaemonSets once per schedulable node; replicas each; init containers count at their max; claim templates
    per replica; node-local claims strand their pod when its node is lost."""
    claim_template = {
        "metadata": {"name": "data"},
        "spec": {"storageClassName": "openebs-hostpath", "resources": {"requests": {"storage": "4Gi"}}},
    }
    objects = [
        _workload("DaemonSet", "agent", "100m"),
        _workload("StatefulSet", "store", "200m", replicas=2, volumeClaimTemplates=[claim_template]),
    ]
    build = load_build(_write(tmp_path, objects, [_node_doc("a"), _node_doc("b"), _node_doc("c", unschedulable=True)]))
    capacity = audit_capacity(build)
    assert not capacity.failed
    by_node = {n.name: n for n in capacity.nodes}
    assert by_node["a"].pods == ["ns/agent@a", "ns/store#0"] and by_node["b"].pods == ["ns/agent@b", "ns/store#1"]
    assert by_node["a"].cpu_requested == 600 + 600  # each pod: max(its containers, init 600m)
    assert by_node["a"].claims == 4 * GI and capacity.claims_total == 8 * GI
    assert [(loss.node, loss.stranded, loss.fits) for loss in capacity.n_minus_one] == [
        ("a", ["ns/store#0"], True),
        ("b", ["ns/store#1"], True),
    ]


def test_storage_overcommit_on_one_node_fails(tmp_path: Path) -> None:
    """Node-local claims of the pods placed on a node larger than its disk fail, even when the total fits."""
    claim_template = {
        "metadata": {"name": "data"},
        "spec": {"storageClassName": "local-path", "resources": {"requests": {"storage": "8Gi"}}},
    }
    objects = [_workload("StatefulSet", "store", "100m", replicas=1, volumeClaimTemplates=[claim_template])]
    build = load_build(_write(tmp_path, objects, [_node_doc("a", disk="5Gi"), _node_doc("b", disk="5Gi")]))
    capacity = audit_capacity(build)
    assert capacity.claims_total < capacity.disk_total
    assert capacity.storage_overcommitted and capacity.failed
    assert [n.name for n in capacity.nodes if n.storage_overcommitted] == ["a"]


def test_n_minus_one_reports_pods_that_cannot_move(tmp_path: Path) -> None:
    """When the survivors are full, the lost node's pods are listed as fitting nowhere (a warning only)."""
    objects = [_workload("Deployment", "app", "1800m", replicas=2)]
    build = load_build(_write(tmp_path, objects, [_node_doc("a"), _node_doc("b")]))
    capacity = audit_capacity(build)
    assert not capacity.failed
    assert [(loss.node, loss.unplaced) for loss in capacity.n_minus_one] == [("a", ["ns/app#0"]), ("b", ["ns/app#1"])]
    assert capacity.warnings[0] == "losing a: 1 pods fit nowhere (ns/app#0)"


def test_equal_scores_go_to_the_first_name_even_for_prefixes() -> None:
    """Tie-break is plain name order: "a" before "ab"."""
    placement, _ = place([_node("ab"), _node("a")], [_pod("p", 100, GI)])
    assert [p.name for p in placement["a"]] == ["p"]


def _bound_pod(name: str, node: str, cpu: str) -> dict[str, Any]:
    container = {"name": name, "resources": {"requests": {"cpu": cpu, "memory": "100Mi"}}}
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": "kube-system"},
        "spec": {"nodeName": node, "containers": [container]},
    }


def test_pods_bound_by_node_name_stay_on_their_node(tmp_path: Path) -> None:
    """A Pod with ``spec.nodeName`` (a static pod's mirror Pod) goes on that node, cordoned or not, even when
    another is emptier; losing that node loses the pod, it is not placed again elsewhere."""
    objects = [
        _bound_pod("static-b", "b", "500m"),
        _bound_pod("static-c", "c", "100m"),
        _workload("Deployment", "app", "100m", replicas=1),
    ]
    nodes = [_node_doc("a"), _node_doc("b"), _node_doc("c", unschedulable=True)]
    capacity = audit_capacity(load_build(_write(tmp_path, objects, nodes)))
    assert not capacity.failed
    assert {n.name: n.pods for n in capacity.nodes} == {
        "a": ["ns/app"],
        "b": ["kube-system/static-b"],
        "c": ["kube-system/static-c"],
    }
    losses = {loss.node: (loss.moved, loss.unplaced) for loss in capacity.n_minus_one}
    assert losses == {"a": (1, []), "b": (0, [])}


def test_a_pod_bound_to_an_unknown_node_fits_nowhere(tmp_path: Path) -> None:
    """nodeName naming no Node of the build: the pod cannot run, which is a failure like any unplaced pod."""
    build = load_build(_write(tmp_path, [_bound_pod("lost", "z", "100m")], [_node_doc("a")]))
    capacity = audit_capacity(build)
    assert capacity.unplaced == ["kube-system/lost"] and capacity.failed
