"""Capacity: place every pod on the Nodes of ``cluster/nodes.yaml`` as the scheduler's resource fit would.

Pods: each long-running pod template times its replicas (``spec.replicas``; a stand-in's ``hearth.dev/replicas``),
and DaemonSets (or stand-ins whose ``hearth.dev/workload-kind`` is DaemonSet) once per schedulable node. Jobs,
CronJobs and Helm test Pods are transient: they are only checked to fit somewhere next to the steady state.

Placement mirrors kube-scheduler's NodeResourcesFit plugin: a node is feasible when it is schedulable, its
``NoSchedule``/``NoExecute`` taints are tolerated, the pod's ``nodeSelector`` matches, it has a pod slot left, and
the pod's cpu and memory requests fit in allocatable minus what is already requested. Among feasible nodes the
LeastAllocated score picks the emptiest (mean over cpu and memory of free share after placing, on "non-zero"
requests: 100m and 200Mi for containers that request nothing, as the scheduler scores); ties go to the node
name, first in order (the scheduler would pick at random). Order: DaemonSet pods first, then releases in
``helmfile.yaml`` order (their deploy order), pods by name and replica index.

A pod that fits nowhere is a failure. N-1: for each node lost, the pods on the other nodes stay, and the lost
node's pods are placed again on the others; those that do not fit, and those bound to the lost node by a
node-local PVC (``openebs-hostpath`` and other ``*hostpath*``/``*local*`` classes), are WARNINGS.

Storage: PVC requests (``manifests/`` and ``cluster/``, StatefulSet ``volumeClaimTemplates`` per replica) in total
against the sum of node disks, and per node the node-local claims of the pods placed there against that node's
disk (``hearth.dev/disk-bytes``, else its ``ephemeral-storage`` capacity). Overcommit is a failure.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from rich.table import Table

from hearth.quantity import QuantityError, byte_count, format_bytes
from hearth.verify.audit import Build, NodeInfo, PodTemplate, container_amounts

__all__ = ["Capacity", "NodeUsage", "PlacedPod", "audit_capacity", "place"]

NONZERO_CPU = 100  # millicores: kube-scheduler's DefaultMilliCPURequest, used for scoring only
NONZERO_MEMORY = 200 * 1024 * 1024  # bytes: DefaultMemoryRequest
_NODE_LOCAL = re.compile(r"hostpath|local")


@dataclass(frozen=True)
class Claim:
    """A PersistentVolumeClaim a pod mounts: ``namespace/name``, requested bytes, whether node-local."""

    key: str
    size: int
    storage_class: str | None

    @property
    def node_local(self) -> bool:
        """Provisioned on one node's disk (hostpath/local classes): the pod is bound to that node."""
        return bool(self.storage_class and _NODE_LOCAL.search(self.storage_class))


@dataclass(frozen=True)
class PlacedPod:
    """One pod instance to place: requests, scoring requests, claims and scheduling constraints."""

    name: str
    workload: str
    cpu: int
    memory: int
    score_cpu: int
    score_memory: int
    claims: tuple[Claim, ...]
    node_selector: Mapping[str, str] = field(default_factory=dict)
    tolerations: tuple[Mapping[str, Any], ...] = ()
    daemon_node: str | None = None

    @property
    def pinned(self) -> bool:
        """Bound to its node by a node-local claim."""
        return any(c.node_local for c in self.claims)


@dataclass
class _NodeState:
    info: NodeInfo
    cpu: int = 0
    memory: int = 0
    score_cpu: int = 0
    score_memory: int = 0
    pods: list[PlacedPod] = field(default_factory=list)

    def feasible(self, pod: PlacedPod) -> bool:
        node = self.info
        if node.unschedulable or len(self.pods) >= node.pods:
            return False
        if pod.daemon_node is not None and pod.daemon_node != node.name:
            return False
        if any(node.labels.get(k) != v for k, v in pod.node_selector.items()):
            return False
        if not all(_tolerated(taint, pod.tolerations) for taint in node.taints if _blocks(taint)):
            return False
        if pod.cpu > 0 and self.cpu + pod.cpu > node.cpu:
            return False
        return not (pod.memory > 0 and self.memory + pod.memory > node.memory)

    def score(self, pod: PlacedPod) -> int:
        def free(requested: int, allocatable: int) -> int:
            if allocatable == 0 or requested > allocatable:
                return 0
            return (allocatable - requested) * 100 // allocatable

        cpu = free(self.score_cpu + pod.score_cpu, self.info.cpu)
        memory = free(self.score_memory + pod.score_memory, self.info.memory)
        return (cpu + memory) // 2

    def add(self, pod: PlacedPod) -> None:
        self.cpu += pod.cpu
        self.memory += pod.memory
        self.score_cpu += pod.score_cpu
        self.score_memory += pod.score_memory
        self.pods.append(pod)


def _blocks(taint: Mapping[str, Any]) -> bool:
    return taint.get("effect") in ("NoSchedule", "NoExecute")


def _tolerated(taint: Mapping[str, Any], tolerations: Sequence[Mapping[str, Any]]) -> bool:
    for tol in tolerations:
        if tol.get("effect") not in (None, "", taint.get("effect")):
            continue
        if tol.get("operator") == "Exists" and tol.get("key") in (None, "", taint.get("key")):
            return True
        if tol.get("key") == taint.get("key") and tol.get("value", "") == taint.get("value", ""):
            return True
    return False


def place(
    nodes: Sequence[NodeInfo], pods: Sequence[PlacedPod], fixed: Mapping[str, Sequence[PlacedPod]] | None = None
) -> tuple[dict[str, list[PlacedPod]], list[PlacedPod]]:
    """Place ``pods`` in order on ``nodes`` (already holding ``fixed``): ``({node: pods}, unplaced)``."""
    states = [_NodeState(node) for node in sorted(nodes, key=lambda n: n.name)]
    for state in states:
        for pod in (fixed or {}).get(state.info.name, ()):
            state.add(pod)
    unplaced = []
    for pod in pods:
        best: _NodeState | None = None
        best_score = -1
        for state in states:  # in name order: the first of equal scores wins
            if state.feasible(pod) and state.score(pod) > best_score:
                best, best_score = state, state.score(pod)
        if best is None:
            unplaced.append(pod)
        else:
            best.add(pod)
    return {s.info.name: s.pods for s in states}, unplaced


# --------------------------------------------------------------------------- reading the pods


def _claims_index(build: Build) -> dict[str, Claim]:
    out = {}
    for doc in build.documents:
        if doc.kind != "PersistentVolumeClaim":
            continue
        meta = doc.obj.get("metadata") or {}
        spec = doc.obj.get("spec") or {}
        size = ((spec.get("resources") or {}).get("requests") or {}).get("storage")
        try:
            amount = byte_count(str(size)) if size is not None else 0
        except QuantityError:
            amount = 0
        key = f"{meta.get('namespace') or 'default'}/{meta.get('name')}"
        out[key] = Claim(key, amount, spec.get("storageClassName"))
    return out


def _scoring(pod: PodTemplate) -> tuple[int, int]:
    """Requests as the scheduler scores them: containers requesting nothing count 100m / 200Mi."""
    cpu = memory = 0
    for container in pod.containers(init=False):
        container_cpu, container_memory = container_amounts(container)
        cpu += container_cpu or NONZERO_CPU
        memory += container_memory or NONZERO_MEMORY
    return cpu, memory


def _instances(
    build: Build, claims: Mapping[str, Claim], nodes: Sequence[NodeInfo]
) -> tuple[list[PlacedPod], list[str]]:
    """Every steady-state pod instance in placement order, and notes on claims that are not in the build."""
    order: dict[str, int] = {}
    for index, release in enumerate(build.releases):
        order.setdefault(release.component, index)
    notes = []
    daemons, others = [], []
    schedulable = [n for n in sorted(nodes, key=lambda n: n.name) if not n.unschedulable]
    for pod in sorted(build.pods, key=lambda p: (order.get(p.component or "", -1), p.endpoint)):
        if not pod.long_running or pod.kind in ("Job", "CronJob"):
            continue
        cpu, memory = pod.requests()
        score_cpu, score_memory = _scoring(pod)
        selector = {str(k): str(v) for k, v in (pod.spec.get("nodeSelector") or {}).items()}
        tolerations = tuple(t for t in pod.spec.get("tolerations") or [] if isinstance(t, dict))
        mounted = []
        for name in pod.claim_names():
            claim = claims.get(f"{pod.namespace}/{name}")
            if claim is None:
                notes.append(f"{pod.endpoint} mounts PVC {name}, which is not in the build")
            else:
                mounted.append(claim)
        templates = pod.claim_templates() if pod.kind == "StatefulSet" else []
        if pod.workload_kind == "DaemonSet":
            for node in schedulable:
                daemons.append(
                    PlacedPod(
                        f"{pod.endpoint}@{node.name}",
                        pod.endpoint,
                        cpu,
                        memory,
                        score_cpu,
                        score_memory,
                        tuple(mounted),
                        selector,
                        tolerations,
                        node.name,
                    )
                )
            continue
        replicas = pod.replicas
        for index in range(replicas):
            per_replica = [Claim(f"{pod.namespace}/{tpl}-{pod.name}-{index}", size, sc) for tpl, size, sc in templates]
            name = pod.endpoint if replicas == 1 else f"{pod.endpoint}#{index}"
            others.append(
                PlacedPod(
                    name,
                    pod.endpoint,
                    cpu,
                    memory,
                    score_cpu,
                    score_memory,
                    tuple(mounted + per_replica),
                    selector,
                    tolerations,
                )
            )
    return daemons + others, notes


# --------------------------------------------------------------------------- the report


@dataclass
class NodeUsage:
    """One node after placement: what is requested of it and what it holds."""

    name: str
    cpu_allocatable: int
    memory_allocatable: int
    cpu_requested: int
    memory_requested: int
    pods: list[str]
    disk: int
    claims: int

    @property
    def cpu_percent(self) -> float:
        """Requested share of allocatable cpu."""
        return _percent(self.cpu_requested, self.cpu_allocatable)

    @property
    def memory_percent(self) -> float:
        """Requested share of allocatable memory."""
        return _percent(self.memory_requested, self.memory_allocatable)

    @property
    def storage_overcommitted(self) -> bool:
        """Node-local claims larger than the node's disk."""
        return self.claims > self.disk

    def to_json(self) -> dict[str, object]:
        """Stable JSON shape."""
        return {
            "node": self.name,
            "cpu_allocatable_m": self.cpu_allocatable,
            "cpu_requested_m": self.cpu_requested,
            "cpu_percent": self.cpu_percent,
            "memory_allocatable_bytes": self.memory_allocatable,
            "memory_requested_bytes": self.memory_requested,
            "memory_percent": self.memory_percent,
            "pods": self.pods,
            "disk_bytes": self.disk,
            "claims_bytes": self.claims,
            "storage_overcommitted": self.storage_overcommitted,
        }


def _percent(part: int, whole: int) -> float:
    return round(100 * part / whole, 1) if whole else 0.0


@dataclass
class NodeLoss:
    """What happens when one node is lost."""

    node: str
    moved: int
    unplaced: list[str]
    stranded: list[str]

    @property
    def fits(self) -> bool:
        """Every pod that can move found a place."""
        return not self.unplaced

    def to_json(self) -> dict[str, object]:
        """Stable JSON shape."""
        return {
            "lost": self.node,
            "moved": self.moved,
            "fits": self.fits,
            "unplaced": self.unplaced,
            "stranded": self.stranded,
        }


@dataclass
class Capacity:
    """Section 3 of ``hearth check``."""

    nodes: list[NodeUsage]
    unplaced: list[str]
    transient_unfit: list[str]
    n_minus_one: list[NodeLoss]
    claims_total: int
    disk_total: int
    claims_unplaced: int
    notes: list[str]
    demand_cpu: int = 0
    demand_memory: int = 0

    @property
    def cpu_percent(self) -> float:
        """Requested share of the cluster's allocatable cpu."""
        return _percent(sum(n.cpu_requested for n in self.nodes), sum(n.cpu_allocatable for n in self.nodes))

    @property
    def memory_percent(self) -> float:
        """Requested share of the cluster's allocatable memory."""
        return _percent(sum(n.memory_requested for n in self.nodes), sum(n.memory_allocatable for n in self.nodes))

    @property
    def demand_cpu_percent(self) -> float:
        """Cpu every steady-state pod requests, placed or not, as a share of the cluster's allocatable."""
        return _percent(self.demand_cpu, sum(n.cpu_allocatable for n in self.nodes))

    @property
    def demand_memory_percent(self) -> float:
        """Memory every steady-state pod requests, placed or not, as a share of the cluster's allocatable."""
        return _percent(self.demand_memory, sum(n.memory_allocatable for n in self.nodes))

    @property
    def storage_overcommitted(self) -> bool:
        """Claims over the sum of disks, or over one node's disk."""
        return self.claims_total > self.disk_total or any(n.storage_overcommitted for n in self.nodes)

    @property
    def failed(self) -> bool:
        """No node at all, pods that fit nowhere, or storage overcommit."""
        return not self.nodes or bool(self.unplaced) or self.storage_overcommitted

    @property
    def warnings(self) -> list[str]:
        """N-1 losses that do not fit or strand pods, and transient pods that fit nowhere."""
        out = []
        for loss in self.n_minus_one:
            if not loss.fits:
                out.append(f"losing {loss.node}: {len(loss.unplaced)} pods fit nowhere ({', '.join(loss.unplaced)})")
            if loss.stranded:
                out.append(
                    f"losing {loss.node}: {len(loss.stranded)} pods are bound to it by node-local PVCs and cannot "
                    f"move ({', '.join(loss.stranded)})"
                )
        out += [f"transient pod fits on no node next to the steady state: {name}" for name in self.transient_unfit]
        return out

    def summary(self) -> str:
        """One line."""
        placed = sum(len(n.pods) for n in self.nodes)
        return (
            f"{placed} pods on {len(self.nodes)} nodes, {len(self.unplaced)} fit nowhere; all pods request cpu "
            f"{self.demand_cpu_percent}%, memory {self.demand_memory_percent}% of allocatable; PVCs "
            f"{format_bytes(self.claims_total)} of "
            f"{format_bytes(self.disk_total)} disk"
        )

    def to_json(self) -> dict[str, object]:
        """Stable JSON shape."""
        return {
            "status": "fail" if self.failed else ("warn" if self.warnings else "pass"),
            "summary": self.summary(),
            "nodes": [n.to_json() for n in self.nodes],
            "cpu_percent": self.cpu_percent,
            "memory_percent": self.memory_percent,
            "demand": {
                "cpu_m": self.demand_cpu,
                "cpu_percent": self.demand_cpu_percent,
                "memory_bytes": self.demand_memory,
                "memory_percent": self.demand_memory_percent,
            },
            "unplaced": self.unplaced,
            "transient_unfit": self.transient_unfit,
            "n_minus_one": [loss.to_json() for loss in self.n_minus_one],
            "storage": {
                "claims_bytes": self.claims_total,
                "disk_bytes": self.disk_total,
                "claims_not_on_a_node_bytes": self.claims_unplaced,
                "overcommitted": self.storage_overcommitted,
            },
            "warnings": self.warnings,
            "notes": self.notes,
        }

    def tables(self) -> Iterator[Table]:
        """Per node usage, then N-1."""
        table = Table(title="Capacity per node (requests as the scheduler places them)", title_justify="left")
        for column in ("Node", "CPU requested", "CPU %", "Memory requested", "Memory %", "Pods", "PVCs / disk"):
            table.add_column(column, justify="left" if column == "Node" else "right")
        for node in self.nodes:
            disk = f"{format_bytes(node.claims)} / {format_bytes(node.disk)}"
            table.add_row(
                node.name,
                f"{node.cpu_requested}m / {node.cpu_allocatable}m",
                f"{node.cpu_percent}%",
                f"{format_bytes(node.memory_requested)} / {format_bytes(node.memory_allocatable)}",
                f"{node.memory_percent}%",
                str(len(node.pods)),
                f"[red]{disk}[/red]" if node.storage_overcommitted else disk,
            )
        table.add_row(
            "all pods (placed or not)",
            f"{self.demand_cpu}m",
            f"{self.demand_cpu_percent}%",
            format_bytes(self.demand_memory),
            f"{self.demand_memory_percent}%",
            str(sum(len(n.pods) for n in self.nodes) + len(self.unplaced)),
            "",
        )
        table.add_row(
            "placed",
            f"{sum(n.cpu_requested for n in self.nodes)}m",
            f"{self.cpu_percent}%",
            format_bytes(sum(n.memory_requested for n in self.nodes)),
            f"{self.memory_percent}%",
            str(sum(len(n.pods) for n in self.nodes)),
            f"{format_bytes(self.claims_total)} / {format_bytes(self.disk_total)}",
        )
        yield table
        loss = Table(title="N-1: one node lost (warnings, not failures)", title_justify="left")
        for column in ("Node lost", "Pods moved", "All fit", "Fit nowhere", "Bound by node-local PVC"):
            loss.add_column(column)
        for item in self.n_minus_one:
            loss.add_row(
                item.node,
                str(item.moved),
                "yes" if item.fits else "[yellow]no[/yellow]",
                ", ".join(item.unplaced) or "-",
                ", ".join(item.stranded) or "-",
            )
        yield loss
        if self.unplaced:
            failing = Table(title="Pods that fit on no node", title_justify="left")
            failing.add_column("Pod")
            for name in self.unplaced:
                failing.add_row(name)
            yield failing


def _transient_unfit(
    build: Build, placement: Mapping[str, Sequence[PlacedPod]], nodes: Sequence[NodeInfo]
) -> list[str]:
    out = []
    for pod in build.pods:
        if pod.long_running and pod.kind not in ("Job", "CronJob"):
            continue
        cpu, memory = pod.requests()
        probe = PlacedPod(pod.endpoint, pod.endpoint, cpu, memory, *_scoring(pod), ())
        _, unplaced = place(nodes, [probe], placement)
        if unplaced:
            out.append(pod.endpoint)
    return sorted(out)


def audit_capacity(build: Build) -> Capacity:
    """Place the build's pods on its nodes; report usage, unplaceable pods, N-1 and storage."""
    nodes = sorted(build.nodes, key=lambda n: n.name)
    claims = _claims_index(build)
    pods, notes = _instances(build, claims, nodes)
    if not nodes:
        notes.append("no Node in cluster/nodes.yaml: nothing to place pods on")
    placement, unplaced = place(nodes, pods)
    usage = []
    counted: set[str] = set()
    for node in nodes:
        placed = placement[node.name]
        local: dict[str, int] = {}
        for pod in placed:
            for claim in pod.claims:
                if claim.node_local and claim.key not in counted:
                    local[claim.key] = claim.size
        counted |= local.keys()
        usage.append(
            NodeUsage(
                name=node.name,
                cpu_allocatable=node.cpu,
                memory_allocatable=node.memory,
                cpu_requested=sum(p.cpu for p in placed),
                memory_requested=sum(p.memory for p in placed),
                pods=sorted(p.name for p in placed),
                disk=node.disk,
                claims=sum(local.values()),
            )
        )
    all_claims: dict[str, int] = {claim.key: claim.size for claim in claims.values()}
    for pod in pods:
        all_claims.update((claim.key, claim.size) for claim in pod.claims)
    losses = []
    for lost in nodes:
        if lost.unschedulable:
            continue
        others = [n for n in nodes if n.name != lost.name]
        keep = {
            n.name: [p for p in placement[n.name] if p.daemon_node is None or p.daemon_node == n.name] for n in others
        }
        evicted = [p for p in placement[lost.name] if p.daemon_node is None]
        stranded = [p.name for p in evicted if p.pinned]
        movable = [p for p in evicted if not p.pinned]
        _, left = place(others, movable, keep)
        losses.append(NodeLoss(lost.name, len(movable), sorted(p.name for p in left), sorted(stranded)))
    return Capacity(
        nodes=usage,
        unplaced=sorted(p.name for p in unplaced),
        transient_unfit=_transient_unfit(build, placement, nodes),
        n_minus_one=losses,
        claims_total=sum(all_claims.values()),
        disk_total=sum(n.disk for n in nodes),
        claims_unplaced=sum(all_claims.values()) - sum(n.claims for n in usage),
        notes=sorted(set(notes)),
        demand_cpu=sum(p.cpu for p in pods),
        demand_memory=sum(p.memory for p in pods),
    )
