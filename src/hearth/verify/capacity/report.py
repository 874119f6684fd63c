"""Capacity's report: usage per node, the N-1 losses and the section's verdict, JSON and tables.

Failures: no Node at all, a pod that fits nowhere, storage overcommit (claims over the sum of disks, or a node's
node-local claims over its disk). Warnings: N-1 losses where pods fit nowhere or are stranded by node-local
claims, and transient pods (Jobs, CronJobs, Helm tests) that fit on no node next to the steady state.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from rich.table import Table

from hearth.quantity import format_bytes
from hearth.verify.tables import titled_table

if TYPE_CHECKING:  # the advice measures with fit, which imports NodeLoss from here
    from hearth.verify.capacity.advice import Advice

__all__ = ["Capacity", "NodeLoss", "NodeUsage"]


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
    requests: dict[str, tuple[int, int]] = field(default_factory=dict)
    """Pods that fit nowhere -> their (cpu m, memory bytes) requests."""
    advice: Advice | None = None
    """What would make it fit (when it does not): :mod:`hearth.verify.capacity.advice`."""

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
            "advice": self.advice.to_json() if self.advice else None,
        }

    def tables(self) -> Iterator[Table]:
        """Per node usage, then N-1."""
        figures = ("CPU requested", "CPU %", "Memory requested", "Memory %", "Pods", "PVCs / disk")
        table = titled_table("Capacity per node (requests as the scheduler places them)", ("Node", *figures), figures)
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
        loss = titled_table(
            "N-1: one node lost (warnings, not failures)",
            ("Node lost", "Pods moved", "All fit", "Fit nowhere", "Bound by node-local PVC"),
        )
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
            requests = ("CPU request", "Memory request")
            failing = titled_table("Pods that fit on no node", ("Pod", *requests), requests)
            for name in self.unplaced:
                cpu, memory = self.requests.get(name, (0, 0))
                failing.add_row(name, f"{cpu}m", format_bytes(memory))
            yield failing
        if self.advice is not None and self.advice.reasons:
            yield from self.advice.tables()
