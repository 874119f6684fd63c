"""Capacity's evaluation: the build's pods placed on a set of nodes, with N-1 and the transient pods.

:func:`evaluate` is the whole measurement for one set of Nodes (the rules are in :mod:`hearth.verify.capacity`);
the audit runs it on the build's Nodes, and the advice (:mod:`hearth.verify.capacity.advice`) on what-if Nodes
and on the build without one component, so that every figure of the advice is measured the same way.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from hearth.verify.build.model import Build, NodeInfo
from hearth.verify.capacity.placement import PlacedPod, node_states, place, scoring_requests
from hearth.verify.capacity.report import NodeLoss
from hearth.verify.capacity.storage import Claim, claimed_bytes, node_local_bytes

__all__ = ["Fit", "evaluate", "instances", "n_minus_one", "transient_unfit"]


@dataclass
class Fit:
    """One placement: pods per node, those that fit nowhere, N-1, transient pods that fit nowhere, storage."""

    nodes: list[NodeInfo]
    pods: list[PlacedPod]
    placement: dict[str, list[PlacedPod]]
    unplaced: list[PlacedPod]
    losses: list[NodeLoss]
    transient: list[str]
    local: dict[str, int]
    claims_total: int
    notes: list[str]

    @property
    def storage_overcommitted(self) -> bool:
        """Claims over the sum of disks, or a node's node-local claims over its disk."""
        over_node = any(self.local[n.name] > n.disk for n in self.nodes)
        return self.claims_total > sum(n.disk for n in self.nodes) or over_node

    @property
    def holds(self) -> bool:
        """Every pod placed, storage within the disks, every N-1 loss re-placed, every transient pod fits."""
        placed = not self.unplaced and not self.transient and all(loss.fits for loss in self.losses)
        return bool(self.nodes) and placed and not self.storage_overcommitted


def evaluate(
    build: Build,
    claims: Mapping[str, Claim],
    nodes: Sequence[NodeInfo],
    *,
    without: str | None = None,
    full: bool = True,
) -> Fit:
    """Place the build's pods (less those of component ``without``) on ``nodes``; with ``full``, N-1 and the
    transient pods too (the advice skips them where it only asks whether every pod is placed)."""
    ordered = sorted(nodes, key=lambda n: n.name)
    pods, notes = instances(build, claims, ordered)
    if without is not None:
        removed = {c.key for p in pods if p.component == without for c in p.claims}
        pods = [p for p in pods if p.component != without]
        removed -= {c.key for p in pods for c in p.claims}
        claims = {key: claim for key, claim in claims.items() if key not in removed}
    placement, unplaced = place(ordered, pods)
    return Fit(
        nodes=ordered,
        pods=pods,
        placement=placement,
        unplaced=unplaced,
        losses=n_minus_one(ordered, placement) if full else [],
        transient=transient_unfit(build, placement, ordered) if full else [],
        local=node_local_bytes([n.name for n in ordered], placement),
        claims_total=claimed_bytes(claims, pods),
        notes=notes,
    )


@dataclass(frozen=True)
class _Template:
    """What placement needs of one steady-state pod template, read once per build (see :func:`_templates`)."""

    base: PlacedPod
    daemon_set: bool
    namespace: str
    name: str
    mounted: tuple[Claim, ...]
    templates: tuple[tuple[str, int, str | None], ...]
    replicas: int


@dataclass(frozen=True)
class _Read:
    """A build's pod templates as placement reads them: steady-state templates, notes, transient probes."""

    templates: list[_Template]
    notes: list[str]
    transient: list[PlacedPod]


# The last build read, kept by identity: the audit and its advice evaluate one build on many sets of nodes, and
# reading its pods (requests, claims, selectors) once instead of once per evaluation keeps the advice linear.
_LAST: list[tuple[Build, Mapping[str, Claim], _Read]] = []


def _templates(build: Build, claims: Mapping[str, Claim]) -> _Read:
    """The build's pod templates read for placement, in placement order; cached for the last ``(build, claims)``."""
    if _LAST and _LAST[0][0] is build and _LAST[0][1] is claims:
        return _LAST[0][2]
    order: dict[str, int] = {}
    for index, release in enumerate(build.releases):
        order.setdefault(release.component, index)
    notes = []
    out: list[_Template] = []
    for pod in sorted(build.pods, key=lambda p: (order.get(p.component or "", -1), p.endpoint)):
        if not pod.long_running or pod.kind in ("Job", "CronJob"):
            continue
        cpu, memory = pod.requests()
        score_cpu, score_memory = scoring_requests(pod)
        selector = {str(k): str(v) for k, v in (pod.spec.get("nodeSelector") or {}).items()}
        tolerations = tuple(t for t in pod.spec.get("tolerations") or [] if isinstance(t, dict))
        mounted = []
        for name in pod.claim_names():
            claim = claims.get(f"{pod.namespace}/{name}")
            if claim is None:
                notes.append(f"{pod.endpoint} mounts PVC {name}, which is not in the build")
            else:
                mounted.append(claim)
        base = PlacedPod(
            pod.endpoint,
            pod.endpoint,
            cpu,
            memory,
            score_cpu,
            score_memory,
            tuple(mounted),
            selector,
            tolerations,
            component=pod.component or pod.endpoint,
        )
        daemon_set = pod.workload_kind == "DaemonSet"
        if not daemon_set:
            bound = pod.spec.get("nodeName")
            if isinstance(bound, str) and bound:  # bound without the scheduler, e.g. a static pod's mirror Pod
                base = replace(base, daemon_node=bound)
        templates = tuple(pod.claim_templates()) if pod.kind == "StatefulSet" and not daemon_set else ()
        out.append(_Template(base, daemon_set, pod.namespace, pod.name, tuple(mounted), templates, pod.replicas))
    read = _Read(out, notes, _probes(build))
    _LAST[:] = [(build, claims, read)]
    return read


def instances(
    build: Build, claims: Mapping[str, Claim], nodes: Sequence[NodeInfo]
) -> tuple[list[PlacedPod], list[str]]:
    """Every steady-state pod instance in placement order, and notes on claims that are not in the build."""
    read = _templates(build, claims)
    daemons: list[PlacedPod] = []
    others: list[PlacedPod] = []
    schedulable = [n for n in sorted(nodes, key=lambda n: n.name) if not n.unschedulable]
    for tpl in read.templates:
        base = tpl.base
        if tpl.daemon_set:
            daemons += [replace(base, name=f"{base.name}@{node.name}", daemon_node=node.name) for node in schedulable]
            continue
        replicas = tpl.replicas
        for index in range(replicas):
            per_replica = [
                Claim(f"{tpl.namespace}/{name}-{tpl.name}-{index}", size, sc) for name, size, sc in tpl.templates
            ]
            name = base.name if replicas == 1 else f"{base.name}#{index}"
            instance = replace(base, name=name, claims=tpl.mounted + tuple(per_replica))
            (daemons if instance.daemon_node else others).append(instance)
    return daemons + others, list(read.notes)


def transient_unfit(build: Build, placement: Mapping[str, Sequence[PlacedPod]], nodes: Sequence[NodeInfo]) -> list[str]:
    """Transient pods (Jobs, CronJobs, Helm tests) that fit on no node next to the steady state."""
    states = node_states(nodes, placement)  # built once: a probe only asks whether some node is feasible
    out = [probe.name for probe in _transient(build) if not any(state.feasible(probe) for state in states)]
    return sorted(out)


def _transient(build: Build) -> list[PlacedPod]:
    return _LAST[0][2].transient if _LAST and _LAST[0][0] is build else _probes(build)


def _probes(build: Build) -> list[PlacedPod]:
    """One probe per transient pod template (Jobs, CronJobs, Helm tests), in build order."""
    out = []
    for pod in build.pods:
        if pod.long_running and pod.kind not in ("Job", "CronJob"):
            continue
        cpu, memory = pod.requests()
        out.append(PlacedPod(pod.endpoint, pod.endpoint, cpu, memory, *scoring_requests(pod), ()))
    return out


def n_minus_one(nodes: Sequence[NodeInfo], placement: Mapping[str, Sequence[PlacedPod]]) -> list[NodeLoss]:
    """For each schedulable node lost: its pods placed again on the others, the rest staying where they are."""
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
    return losses
