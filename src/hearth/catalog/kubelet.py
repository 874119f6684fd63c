"""What each node's kubelet keeps from its pods (``platform.yaml``'s ``kubelet``) and the pods the cluster installer
runs beside them (``system_pods``): the two things capacity subtracts from a node before hearth's pods are placed.

Models here check the shape of one value; rules between values (system pods listed twice, replicas of a DaemonSet)
are in ``hearth.catalog.checks``.
"""

# ruff: noqa: RUF012 -- pydantic copies mutable defaults per instance; ruff cannot see that Strict is a BaseModel
from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Literal

from pydantic import Field, model_validator

from hearth.catalog.fields import Image, Name, Port, Quantity, ResourceAmounts, Strict, Threshold
from hearth.quantity import byte_count, millicores

if TYPE_CHECKING:
    from hearth.catalog.platform import Node


class Reserved(Strict):
    """CPU and memory the kubelet keeps back for one group of daemons (its ``kubeReserved`` or ``systemReserved``)."""

    cpu: Quantity = "0"
    """CPU kept back, as a quantity (e.g. 100m)."""
    memory: Quantity = "0"
    """memory kept back, as a quantity (e.g. 256Mi)."""


class EvictionHard(Strict):
    """The kubelet's hard eviction thresholds that lower allocatable: a quantity, or a percentage of capacity."""

    memory_available: Threshold = "100Mi"
    """evict pods below this much free memory (memory.available)."""
    nodefs_available: Threshold = "10%"
    """evict pods below this much free node disk (nodefs.available)."""


def _threshold_bytes(threshold: str, capacity: int) -> int:
    if threshold.endswith("%"):
        return int(capacity * Decimal(threshold[:-1]) / 100)
    return byte_count(threshold)


class KubeletReservation(Strict):
    """What the kubelet of a node keeps from its pods: allocatable = capacity - kube_reserved - system_reserved -
    eviction_hard (kubernetes.io/docs/tasks/administer-cluster/reserve-compute-resources/#node-allocatable)."""

    kube_reserved: Reserved = Reserved()
    """kubeReserved: kept for Kubernetes daemons (kubelet, container runtime)."""
    system_reserved: Reserved = Reserved()
    """systemReserved: kept for the operating system's daemons."""
    eviction_hard: EvictionHard = EvictionHard()
    """the hard eviction thresholds, which lower allocatable too."""

    def allocatable(self, node: Node) -> tuple[int, int, int]:
        """``(millicores, memory bytes, ephemeral-storage bytes)`` the pods of ``node`` may request.

        Only ``memory.available`` lowers allocatable memory and only ``nodefs.available`` allocatable storage;
        like the kubelet, a reservation larger than capacity leaves zero, never less.
        """
        memory, disk = byte_count(node.memory), byte_count(node.disk)
        reserved = (self.kube_reserved, self.system_reserved)
        cpu = node.cpu * 1000 - sum(millicores(r.cpu) for r in reserved)
        memory -= sum(byte_count(r.memory) for r in reserved) + _threshold_bytes(
            self.eviction_hard.memory_available, memory
        )
        disk -= _threshold_bytes(self.eviction_hard.nodefs_available, disk)
        return max(cpu, 0), max(memory, 0), max(disk, 0)


class Kubelet(KubeletReservation):
    """The kubelet's reservations on every node, and on control-plane nodes when they differ (kubespray sets
    ``kube_master_*_reserved`` and ``eviction_hard_control_plane`` apart)."""

    control_plane: KubeletReservation | None = None
    """the reservation on control-plane nodes, when it differs from the others."""

    def for_node(self, node: Node) -> KubeletReservation:
        """The reservation that applies on ``node``."""
        if node.role == "control-plane" and self.control_plane is not None:
            return self.control_plane
        return self


class Toleration(Strict):
    """A toleration of a system pod, as its installer writes it."""

    key: str | None = None
    """the taint key (none with Exists: every taint)."""
    operator: Literal["Exists", "Equal"] = "Equal"
    """Exists (any value) or Equal (the value given)."""
    value: str | None = None
    """the taint value, with Equal."""
    effect: Literal["NoSchedule", "PreferNoSchedule", "NoExecute"] | None = None
    """the taint effect tolerated (none: every effect)."""

    @model_validator(mode="after")
    def _coherent(self) -> Toleration:
        if self.operator == "Exists" and self.value is not None:
            raise ValueError("a toleration with operator Exists takes no value")
        if self.operator == "Equal" and self.key is None:
            raise ValueError("a toleration with operator Equal needs a key")
        return self


class SystemPod(Strict):
    """A pod the cluster installer runs on the nodes (CNI, DNS, kube-proxy, control-plane static pods).

    hearth does not deploy it; it is described so that capacity counts its requests. ``kind`` says where its pods
    run: a DaemonSet one per node, a Deployment ``replicas`` wherever they fit, a StaticPod one per node of
    ``nodes`` (the kubelet runs the manifest the installer writes there, without the scheduler).
    """

    name: Name
    """the pod's (or its workload's) name."""
    namespace: Name = "kube-system"
    """its namespace."""
    kind: Literal["DaemonSet", "Deployment", "StaticPod"]
    """DaemonSet (one per node), Deployment (replicas anywhere) or StaticPod (one per node of nodes)."""
    replicas: int = Field(default=1, ge=1)
    """how many pods a Deployment runs."""
    nodes: Literal["all", "control-plane", "worker"] = "all"
    """which nodes a StaticPod's manifest is on."""
    labels: dict[str, str] = Field(min_length=1)
    """the labels its installer gives the pods (so policies can select them)."""
    image: Image
    """the image the installer runs."""
    requests: ResourceAmounts | None = Field(default=None, description="none: the pod requests nothing")
    host_network: bool = False
    """the pod uses the node's network namespace."""
    ports: list[Port] = []
    """the ports its containers listen on."""
    tolerations: list[Toleration] = []
    """the taints it tolerates (e.g. the control plane's NoSchedule)."""
    source: str = Field(min_length=10, description="where the figures come from (file and variables)")

    def runs_on(self, node: Node) -> bool:
        """A static pod's manifest is on ``node`` (always true for the other kinds)."""
        return self.kind != "StaticPod" or self.nodes in ("all", node.role)
