"""What-if Nodes: ``hearth check --nodes 3x8c32g`` re-runs the audit on other Nodes without editing a file.

The syntax is a comma-separated list of shapes ``[+]COUNTxCORESc MEMORYg [DISKd]`` (no spaces): ``COUNT`` nodes
of ``CORES`` cores, ``MEMORY`` GiB of memory and ``DISK`` GiB of disk, e.g. ``3x8c32g``, ``3x8c32g500d``,
``1x4c8g50d,2x4c16g100d``. Shapes without ``+`` replace the build's Nodes: the Nodes of ``cluster/nodes.yaml`` in
name order take the listed sizes one by one and keep their names, labels, taints and addresses (so selectors and
taints still apply); Nodes beyond the list are dropped, and shapes beyond the Nodes become new worker Nodes.
Shapes with ``+`` add new worker Nodes to the build's (``+1x8c32g500d``). A Node keeps what the kubelet reserves
of it (capacity minus allocatable); a new one reserves what the build's last worker does and, without ``DISK``,
gets its disk. The figures are capacities, as the catalog states a node's size.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from hearth.verify.build.model import NodeInfo

__all__ = ["GIB", "NODES_SYNTAX", "NodeShape", "apply_shapes", "parse_nodes"]

NODES_SYNTAX = "[+]COUNTxCORESc MEMORYg [DISKd] (GiB), comma-separated: 3x8c32g, 3x8c32g500d, +1x8c32g500d"
GIB = 2**30
_SHAPE = re.compile(r"(\+?)(\d+)x(\d+)c(\d+)g(?:(\d+)d)?")


@dataclass(frozen=True)
class NodeShape:
    """``count`` nodes of ``cores`` cores, ``memory_gib`` and ``disk_gib`` (None: keep or copy the disk)."""

    count: int
    cores: int
    memory_gib: int
    disk_gib: int | None = None
    add: bool = False

    def spec(self) -> str:
        """The shape in ``--nodes`` syntax."""
        disk = f"{self.disk_gib}d" if self.disk_gib is not None else ""
        return f"{'+' if self.add else ''}{self.count}x{self.cores}c{self.memory_gib}g{disk}"


def parse_nodes(text: str) -> list[NodeShape]:
    """``--nodes`` text as shapes; ``ValueError`` with one line naming the bad part and the syntax."""
    shapes = []
    for part in text.replace(" ", "").split(","):
        match = _SHAPE.fullmatch(part)
        if match is None:
            raise ValueError(f"--nodes {part!r}: expected {NODES_SYNTAX}")
        plus, count, cores, memory, disk = match.groups()
        shape = NodeShape(int(count), int(cores), int(memory), int(disk) if disk else None, bool(plus))
        if min(shape.count, shape.cores, shape.memory_gib) < 1 or shape.disk_gib == 0:
            raise ValueError(f"--nodes {part!r}: count, cores, memory and disk must be at least 1")
        shapes.append(shape)
    return shapes


def _sized(node: NodeInfo, shape: NodeShape) -> NodeInfo:
    """``node`` with the shape's capacity, keeping what the kubelet reserves of it."""
    cpu, memory = shape.cores * 1000, shape.memory_gib * GIB
    return replace(
        node,
        cpu=max(0, cpu - (node.cpu_capacity - node.cpu)),
        memory=max(0, memory - (node.memory_capacity - node.memory)),
        cpu_capacity=cpu,
        memory_capacity=memory,
        disk=shape.disk_gib * GIB if shape.disk_gib is not None else node.disk,
    )


def _new(template: NodeInfo | None, name: str, shape: NodeShape) -> NodeInfo:
    """A new worker Node of ``shape``, reserving what ``template`` (the build's last worker) reserves."""
    base = NodeInfo(
        name=name,
        labels={"kubernetes.io/hostname": name, "kubernetes.io/os": "linux"},
        cpu=0,
        memory=0,
        pods=template.pods if template else 110,
        cpu_capacity=0,
        memory_capacity=0,
        disk=template.disk if template else 0,
        internal_ips=(),
        unschedulable=False,
        taints=(),
    )
    if template is not None:
        reserve_cpu = template.cpu_capacity - template.cpu
        reserve_memory = template.memory_capacity - template.memory
        base = replace(base, cpu_capacity=max(0, reserve_cpu), memory_capacity=max(0, reserve_memory))
    return _sized(base, shape)


def apply_shapes(nodes: Sequence[NodeInfo], shapes: Sequence[NodeShape]) -> list[NodeInfo]:
    """The build's ``nodes`` as ``shapes`` make them (the rules are in this module's docstring)."""
    existing = sorted(nodes, key=lambda n: n.name)
    workers = [n for n in existing if not n.control_plane] or existing
    template = workers[-1] if workers else None
    sizes = [shape for shape in shapes if not shape.add for _ in range(shape.count)]
    out = [_sized(node, shape) for node, shape in zip(existing, sizes, strict=False)] if sizes else list(existing)
    extra = sizes[len(existing) :] + [shape for shape in shapes if shape.add for _ in range(shape.count)]
    taken = {n.name for n in out}
    index = 0
    for shape in extra:
        index += 1
        while f"whatif-{index}" in taken:
            index += 1
        out.append(_new(template, f"whatif-{index}", shape))
        taken.add(f"whatif-{index}")
    return out
