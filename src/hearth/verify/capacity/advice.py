"""Capacity advice: when the platform does not fit, by how much, why in plain words, and what would make it fit.

Kept whole: every piece of advice (the node size, the consumers, the removals, the shortfall) is measured on the
same :class:`Fit` with the audit's own placement and shown together in one :class:`Advice`; each is one function
here.

Every figure is measured by :func:`hearth.verify.capacity.fit.evaluate`, the audit's own placement:

- **nodes**: the smallest uniform cluster (every node the same cores, memory and disk; the build's node count
  first, then one and two more) on which every pod is placed, every N-1 loss is re-placed, every transient pod
  fits and no disk is overcommitted. Sizes are searched on a ladder of common machine sizes, cheapest first
  relative to the largest node now; disk does not change placement, so it is sized last, to the node-local
  claims the placement puts on each node and the total, rounded up to 50 GiB. It is given in ``--nodes`` syntax
  (:mod:`hearth.verify.capacity.whatif`), and ``hearth check --nodes`` with it passes the capacity check.
- **consumers**: components by their share of the cluster's allocatable (the larger of cpu and memory).
- **removals**: components whose removal alone would make capacity pass (and, apart, those whose removal alone
  places every pod).
- **reasons**: the shortfall of cpu and memory, storage against disks, and why claims can exceed disks
  (node-local volumes such as hostpath do not enforce their size).

Pods bound to a node by a node-local claim cannot move when that node is lost; no node size changes that, so
the N-1 criterion is that every pod that can move finds a place.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from rich.table import Table

from hearth.quantity import format_bytes
from hearth.verify.build.model import Build, NodeInfo
from hearth.verify.capacity.fit import Fit, evaluate
from hearth.verify.capacity.placement import PlacedPod
from hearth.verify.capacity.storage import Claim
from hearth.verify.capacity.whatif import GIB, NodeShape, apply_shapes
from hearth.verify.findings import FAIL, WARN, Finding
from hearth.verify.tables import titled_table

__all__ = ["Advice", "Consumer", "advise", "capacity_findings", "uniform_nodes"]

CORES = (2, 4, 6, 8, 12, 16, 24, 32, 48, 64, 96, 128)
MEMORY_GIB = (4, 8, 12, 16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512)
DISK_STEP_GIB = 50
TOP = 5


def words(value: int) -> str:
    """Bytes for a sentence: ``1.5 TiB``."""
    text = format_bytes(value)
    return f"{text[:-2]} {text[-2:]}B" if text[-2:] in ("Ti", "Gi", "Mi", "Ki") else text


def cores(millis: int) -> str:
    """Millicores for a sentence: ``19.8 cores``."""
    return f"{millis / 1000:g} cores" if millis % 100 == 0 else f"{millis / 1000:.1f} cores"


@dataclass(frozen=True)
class Consumer:
    """A component's requests over all its pod instances."""

    component: str
    cpu: int
    memory: int
    pods: int
    share: float  # the larger of its cpu and memory share of the cluster's allocatable, in percent

    def to_json(self) -> dict[str, object]:
        """Stable JSON shape."""
        return {
            "component": self.component,
            "cpu_m": self.cpu,
            "memory_bytes": self.memory,
            "pods": self.pods,
            "share_percent": self.share,
        }


@dataclass
class Advice:
    """What would make capacity pass, and why it does not."""

    reasons: list[tuple[str, str, str]] = field(default_factory=list)  # (level, subject, plain words)
    unplaced: list[tuple[str, int, int]] = field(default_factory=list)  # (pod, cpu m, memory bytes)
    consumers: list[Consumer] = field(default_factory=list)
    removals: list[str] = field(default_factory=list)
    placing_removals: list[str] = field(default_factory=list)
    nodes: NodeShape | None = None
    nodes_detail: str = ""
    searched: bool = False  # the removals and the node shape were searched (it does not fit)

    def to_json(self) -> dict[str, object]:
        """Stable JSON shape."""
        return {
            "reasons": [{"level": lv, "subject": sub, "reason": why} for lv, sub, why in self.reasons],
            "unplaced": [{"pod": n, "cpu_m": c, "memory_bytes": m} for n, c, m in self.unplaced],
            "top_consumers": [c.to_json() for c in self.consumers],
            "removal_suffices": self.removals,
            "removal_places_every_pod": self.placing_removals,
            "nodes": self.nodes.spec() if self.nodes else None,
            "nodes_detail": self.nodes_detail,
        }

    def try_command(self) -> str:
        """The what-if that shows the node shape passing, or "" when none was found."""
        return f"hearth check --nodes {self.nodes.spec()}" if self.nodes else ""

    def tables(self) -> Iterator[Table]:
        """One table: why it does not fit, the nodes that would, the top consumers, the removals."""
        table = titled_table(
            "Capacity advice (what would make it fit)",
            (
                "What",
                "Measured",
            ),
        )
        for _, subject, reason in self.reasons:
            table.add_row("why", f"{subject}: {reason}")
        table.add_row(
            "nodes that fit", f"{self.nodes_detail}; try: {self.try_command()}" if self.nodes else self.nodes_detail
        )
        for c in self.consumers:
            table.add_row(
                "top consumer", f"{c.component}: {cores(c.cpu)}, {words(c.memory)} in {c.pods} pods ({c.share}%)"
            )
        table.add_row("removal alone suffices", ", ".join(self.removals) or "no single component")
        table.add_row("removal alone places every pod", ", ".join(self.placing_removals) or "no single component")
        yield table


def _shortfall(fit: Fit) -> list[tuple[str, str, str]]:
    """Plain-words reasons as (level, subject, sentence): cpu and memory against allocatable, claims against
    disks, N-1 losses, pods that cannot move, transient pods."""
    out = []
    cpu = sum(p.cpu for p in fit.pods)
    memory = sum(p.memory for p in fit.pods)
    alloc_cpu = sum(n.cpu for n in fit.nodes)
    alloc_memory = sum(n.memory for n in fit.nodes)
    if fit.unplaced:
        short = []
        if cpu > alloc_cpu:
            short.append(f"cpu short by {cores(cpu - alloc_cpu)}")
        if memory > alloc_memory:
            short.append(f"memory short by {words(memory - alloc_memory)}")
        gap = "; ".join(short) or "in total they would fit, but no single node has room left for these pods"
        listed = ", ".join(f"{p.name} ({p.cpu}m, {format_bytes(p.memory)})" for p in sorted(fit.unplaced, key=_name))
        out.append(
            (
                FAIL,
                f"{len(fit.unplaced)} pods fit on no node",
                f"the pods request {cores(cpu)} and {words(memory)}, the nodes allocate {cores(alloc_cpu)} and "
                f"{words(alloc_memory)}: {gap}; unplaced (cpu, memory requests): {listed}",
            )
        )
    disk = sum(n.disk for n in fit.nodes)
    classes = sorted({c.storage_class or "" for p in fit.pods for c in p.claims if c.node_local})
    if fit.claims_total > disk:
        why = f": {', '.join(classes)} volumes do not enforce size" if classes else ""
        out.append((FAIL, "storage", f"PVCs {words(fit.claims_total)} on {words(disk)} of node disk{why}"))
    for node in fit.nodes:
        if fit.local[node.name] > node.disk:
            biggest = sorted(
                {c.key: c.size for p in fit.placement[node.name] for c in p.claims if c.node_local}.items(),
                key=lambda item: (-item[1], item[0]),
            )[:3]
            listed = ", ".join(f"{key} {words(size)}" for key, size in biggest)
            sentence = (
                f"node-local PVCs {words(fit.local[node.name])} on its {words(node.disk)} disk (largest: {listed})"
            )
            out.append((FAIL, node.name, sentence))
    for loss in fit.losses:
        if not loss.fits:
            sentence = f"{len(loss.unplaced)} of its pods fit nowhere on the other nodes ({', '.join(loss.unplaced)})"
            out.append((WARN, f"losing {loss.node}", sentence))
    stranded = sorted(name for loss in fit.losses for name in loss.stranded)
    if stranded:
        out.append(
            (
                WARN,
                "node loss",
                f"{len(stranded)} pods cannot move when their node is lost: a node-local volume "
                f"({', '.join(classes)}) binds its pod to one node ({', '.join(stranded)})",
            )
        )
    out += [(WARN, name, "transient pod fits on no node next to the steady state") for name in fit.transient]
    return out


def _name(pod: PlacedPod) -> str:
    return pod.name


def _consumers(fit: Fit) -> list[Consumer]:
    alloc_cpu = sum(n.cpu for n in fit.nodes) or 1
    alloc_memory = sum(n.memory for n in fit.nodes) or 1
    totals: dict[str, list[int]] = {}
    for pod in fit.pods:
        entry = totals.setdefault(pod.component or pod.workload, [0, 0, 0])
        entry[0] += pod.cpu
        entry[1] += pod.memory
        entry[2] += 1
    ranked = [
        Consumer(name, cpu, memory, count, round(100 * max(cpu / alloc_cpu, memory / alloc_memory), 1))
        for name, (cpu, memory, count) in totals.items()
    ]
    return sorted(ranked, key=lambda c: (-c.share, c.component))[:TOP]


def _placed(fit: Fit) -> bool:
    return not fit.unplaced and not fit.transient and all(loss.fits for loss in fit.losses)


def uniform_nodes(
    build: Build, claims: Mapping[str, Claim], nodes: Sequence[NodeInfo], demand: tuple[int, int]
) -> tuple[NodeShape | None, str]:
    """The smallest uniform shape (see the module docstring) and a sentence comparing it with the nodes now."""
    count = max(len(nodes), 2)
    ref_cpu = max((n.cpu_capacity for n in nodes), default=4000) / 1000 or 4
    ref_memory = max((n.memory_capacity for n in nodes), default=16 * GIB) / GIB or 16
    pairs = sorted(
        ((c, m) for c in CORES for m in MEMORY_GIB), key=lambda cm: (cm[0] / ref_cpu + cm[1] / ref_memory, cm)
    )
    now = ", ".join(
        f"{n.name} {n.cpu_capacity // 1000}c/{n.memory_capacity // GIB}g/{n.disk // GIB}d"
        for n in sorted(nodes, key=lambda n: n.name)
    )
    for total in (count, count + 1, count + 2):
        for c, m in pairs:
            if c * 1000 * total < demand[0] or m * GIB * total < demand[1]:
                continue  # cannot hold the requests even without reservations or fragmentation
            fit = evaluate(build, claims, apply_shapes(nodes, [NodeShape(total, c, m)]))
            if not _placed(fit):
                continue
            need = max([fit.local[n.name] for n in fit.nodes] + [-(-fit.claims_total // total)])
            disk = max(DISK_STEP_GIB, -(-need // (DISK_STEP_GIB * GIB)) * DISK_STEP_GIB)
            shape = NodeShape(total, c, m, disk)
            if not evaluate(build, claims, apply_shapes(nodes, [shape])).holds:
                continue  # pragma: no cover - disk does not change placement; kept as a guard
            more = f" ({total - len(nodes)} more)" if total > len(nodes) else ""
            return shape, (f"{total} nodes{more} of {c} cores, {m} GiB memory, {disk} GiB disk (now: {now or 'none'})")
    return None, (
        f"no uniform shape up to {CORES[-1]} cores and {MEMORY_GIB[-1]} GiB on {count} to {count + 2} nodes places "
        "every pod with N-1 holding (a pod's nodeSelector or taints may exclude every node)"
    )


def _over_capacity(fit: Fit) -> Callable[[str], bool]:
    """A test, per component, that the pods left without it cannot all be placed on ``fit``'s nodes.

    A pod is only placed where its positive cpu and memory requests fit in what is left and a pod slot is free, so
    the pods placed on a node never request more than it holds: when the pods left request more cpu or memory in
    total than all the nodes, or are more than their pod slots, one stays unplaced whatever the order. This skips
    the trial placement of removals that cannot suffice, one per component, which made the advice quadratic.
    With a negative request anywhere the bound does not hold and the test answers False.
    """
    if any(p.cpu < 0 or p.memory < 0 for p in fit.pods):
        return lambda component: False
    cpu_room = sum(max(n.cpu, 0) for n in fit.nodes)
    memory_room = sum(max(n.memory, 0) for n in fit.nodes)
    slots = sum(max(n.pods, 0) for n in fit.nodes)
    own: dict[str, list[int]] = {}
    for pod in fit.pods:
        entry = own.setdefault(pod.component, [0, 0, 0])
        entry[0] += pod.cpu
        entry[1] += pod.memory
        entry[2] += 1
    cpu = sum(p.cpu for p in fit.pods)
    memory = sum(p.memory for p in fit.pods)
    count = len(fit.pods)

    def over(component: str) -> bool:
        c, m, n = own.get(component, [0, 0, 0])
        return cpu - c > cpu_room or memory - m > memory_room or count - n > slots

    return over


def advise(build: Build, claims: Mapping[str, Claim], fit: Fit, *, search: bool) -> Advice:
    """The advice for ``fit``, the audit's placement on the build's nodes: the reasons always; with ``search``
    (it does not fit) the removals and the node shape too."""
    advice = Advice(
        reasons=_shortfall(fit),
        unplaced=sorted((p.name, p.cpu, p.memory) for p in fit.unplaced),
        consumers=_consumers(fit),
    )
    if not search:
        return advice
    if fit.unplaced or fit.storage_overcommitted:
        bounded = _over_capacity(fit)
        for component in sorted({p.component for p in fit.pods if p.component}):
            if bounded(component):
                continue  # what is left requests more than the nodes hold: some pod stays unplaced
            trial = evaluate(build, claims, fit.nodes, without=component, full=False)
            if not trial.unplaced:
                advice.placing_removals.append(component)
                if not trial.storage_overcommitted:
                    advice.removals.append(component)
    demand = (sum(p.cpu for p in fit.pods), sum(p.memory for p in fit.pods))
    advice.nodes, advice.nodes_detail = uniform_nodes(build, claims, fit.nodes, demand)
    advice.searched = True
    return advice


def capacity_findings(section: Any) -> list[Finding]:
    """Capacity's findings: each plain-words reason with its fix, then what would make it fit (failures when the
    section fails, else warnings)."""
    if not section.nodes:
        return [Finding(FAIL, "capacity", "nodes", "no Node in cluster/nodes.yaml", "describe the platform's nodes")]
    advice: Advice | None = section.advice
    if advice is None:
        return []
    fit_fix = f"try: {advice.try_command()}" if advice.nodes else advice.nodes_detail
    out = []
    for level, subject, reason in advice.reasons:
        if subject == "node loss":
            fix = "a replicated storage class lets them move; no node size changes it"
        elif subject in ("storage",) or reason.startswith("node-local PVCs"):
            disk = f"{advice.nodes.disk_gib} GiB" if advice.nodes and advice.nodes.disk_gib else "larger"
            fix = f"disks of {disk} per node ({advice.try_command()}), or PVCs sized to the data they hold"
        else:
            fix = fit_fix or "see hearth check --details"
        out.append(Finding(level, "capacity", subject, reason, fix))
    if advice.searched:
        top = ", ".join(f"{c.component} {c.share}%" for c in advice.consumers)
        removal = ", ".join(advice.removals) or "none"
        out.append(
            Finding(
                FAIL if section.failed else WARN,
                "capacity",
                "what would fit",
                f"{advice.nodes_detail}; top consumers by requests: {top}; removal alone suffices: {removal}",
                fit_fix,
            )
        )
    return out
