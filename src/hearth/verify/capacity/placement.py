"""Capacity's placement: pods on Nodes as kube-scheduler would place them by their requests.

Feasibility is the NodeResourcesFit filter (with taints, ``nodeSelector`` and pod slots), the choice among
feasible nodes the LeastAllocated score on "non-zero" requests; the rules are in :mod:`hearth.verify.capacity`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from hearth.verify.build.model import NodeInfo
from hearth.verify.build.pod_template import PodTemplate, container_amounts
from hearth.verify.capacity.storage import Claim

__all__ = ["NONZERO_CPU", "NONZERO_MEMORY", "PlacedPod", "place", "scoring_requests"]

NONZERO_CPU = 100  # millicores: kube-scheduler's DefaultMilliCPURequest, used for scoring only
NONZERO_MEMORY = 200 * 1024 * 1024  # bytes: DefaultMemoryRequest


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
    component: str = ""

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
        if pod.daemon_node is not None and pod.daemon_node != node.name:
            return False
        if (node.unschedulable and pod.daemon_node is None) or len(self.pods) >= node.pods:
            return False  # cordoning stops the scheduler, not pods bound to the node or its DaemonSet pods
        if any(node.labels.get(k) != v for k, v in pod.node_selector.items()):
            return False
        if not all(tolerated(taint, pod.tolerations) for taint in node.taints if _blocks(taint)):
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


def tolerated(taint: Mapping[str, Any], tolerations: Sequence[Any]) -> bool:
    """Whether one of ``tolerations`` (pod spec entries, unreadable ones skipped) tolerates ``taint``."""
    for tol in (t for t in tolerations if isinstance(t, Mapping)):
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
    states = node_states(nodes, fixed)
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


def node_states(nodes: Sequence[NodeInfo], fixed: Mapping[str, Sequence[PlacedPod]] | None = None) -> list[_NodeState]:
    """The nodes in name order, each already holding its pods of ``fixed``."""
    states = [_NodeState(node) for node in sorted(nodes, key=lambda n: n.name)]
    for state in states:
        for pod in (fixed or {}).get(state.info.name, ()):
            state.add(pod)
    return states


def scoring_requests(pod: PodTemplate) -> tuple[int, int]:
    """Requests as the scheduler scores them: containers requesting nothing count 100m / 200Mi."""
    cpu = memory = 0
    for container in pod.containers(init=False):
        container_cpu, container_memory = container_amounts(container)
        cpu += container_cpu or NONZERO_CPU
        memory += container_memory or NONZERO_MEMORY
    return cpu, memory
