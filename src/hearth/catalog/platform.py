"""The platform half of the catalog (``platform.yaml``): nodes, networks, namespaces, alerts, backups, the kubelet
and the pods the cluster installer runs.

Models here check the shape of one value; rules between values (duplicate IPs, overlapping networks, system pods
listed twice, replicas of a DaemonSet) are in ``hearth.catalog.checks``, which names the field of each problem.
"""

# ruff: noqa: RUF012 -- pydantic copies mutable defaults per instance; ruff cannot see that Strict is a BaseModel
from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from hearth.catalog.fields import (
    Address,
    Cron,
    Image,
    Name,
    Network,
    Port,
    PortNumber,
    Protocol,
    Quantity,
    ResourceAmounts,
    Retention,
    Strict,
    Threshold,
)
from hearth.catalog.provisioning import Provisioning
from hearth.quantity import byte_count, millicores


class Node(Strict):
    """One Kubernetes node VM on the Proxmox host."""

    name: Name
    role: Literal["control-plane", "worker"]
    lan_ip: Address
    wireguard_ip: Address
    cpu: int = Field(gt=0, description="cores")
    memory: Quantity
    disk: Quantity
    schedulable: bool = True
    purpose: str = ""


class Cni(Strict):
    """The pod network plugin and its encapsulation mode."""

    name: str
    version: str
    mode: str


class ProxmoxHost(Strict):
    """The hypervisor that hosts the node VMs."""

    name: str
    lan_ip: Address


class Gateway(Strict):
    """The public VPS in front of the cluster: WireGuard server and edge router."""

    name: str
    public_ip: Address
    wireguard_address: Address
    wireguard_subnet: Network
    listen_port: PortNumber
    services: list[str] = []
    tls: Literal["acme", "operator"] = Field(
        default="acme",
        description="how the edge Traefik gets its certificates: Let's Encrypt (ACME HTTP-01 on port 80), or files "
        "the operator puts on the VPS",
    )


class PortAllocation(Strict):
    """A row of the seed's port allocation table. ``port`` may be a range ``2379-2380``."""

    service: str
    port: int | str
    protocol: Protocol
    purpose: str

    @model_validator(mode="after")
    def _port_range(self) -> PortAllocation:
        low, high = self.bounds()
        if not 1 <= low <= high <= 65535:
            raise ValueError(f"port {self.port!r} is not a port or an ascending range within 1-65535")
        return self

    def bounds(self) -> tuple[int, int]:
        """The first and last port of the allocation."""
        if isinstance(self.port, int):
            return self.port, self.port
        parts = str(self.port).split("-")
        if len(parts) != 2 or not all(p.isdigit() for p in parts):
            raise ValueError(f"port {self.port!r} is not a port or a range like 2379-2380")
        return int(parts[0]), int(parts[1])


class Namespace(Strict):
    """A namespace the platform uses; ``managed`` ones are created and locked down by hearth."""

    name: Name
    description: str = ""
    managed: bool = True


class AlertRule(Strict):
    """An alert the seed promises, as data; render turns it into a PrometheusRule."""

    name: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9_]*$")
    severity: Literal["critical", "warning", "info"]
    expr: str
    for_: str = Field(alias="for", pattern=r"^[0-9]+[smhd]$")
    summary: str
    runbook: str = Field(default="", description="what the person paged does first: the alert's runbook annotation")
    source: str = Field(default="seed", description="who asks for the alert: the seed, or hearth (with why)")


Duration = Annotated[str, Field(pattern=r"^[0-9]+[smh]$")]


class SeverityRoute(Strict):
    """How Alertmanager groups and repeats one severity's notifications, and the Slack channel they go to."""

    severity: Literal["critical", "warning", "info"]
    channel: str = Field(pattern=r"^#[a-z0-9_-]+$")
    group_wait: Duration
    group_interval: Duration
    repeat_interval: Duration


class Dashboard(Strict):
    """A Grafana dashboard from grafana.com, pinned by its ID and revision, and the data source it reads."""

    name: Name
    title: str
    gnet_id: int = Field(gt=0)
    revision: int = Field(gt=0)
    datasource: str


class AlertRouting(Strict):
    """Alertmanager's routing: severities to Slack, with the webhook URL in a file Vault's agent writes."""

    group_by: list[str] = Field(min_length=1)
    webhook_secret: str = Field(description="Vault KV path (mount/path#key) of the Slack webhook URL")
    routes: list[SeverityRoute] = Field(min_length=1)

    @field_validator("routes")
    @classmethod
    def _one_route_per_severity(cls, routes: list[SeverityRoute]) -> list[SeverityRoute]:
        names = [r.severity for r in routes]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise ValueError(f"severity {dup[0]} is routed twice")
        return routes


class BackupSchedule(Strict):
    """A cluster-wide Velero row of the seed's backup table; per-database dumps live on the component."""

    name: Name
    description: str
    schedule: Cron
    retention: Retention
    target: Name
    include_volumes: bool = False


class SsoSettings(Strict):
    """Which component is the identity provider and which SSO modes exist."""

    provider: Name
    modes: dict[str, str]


class Reserved(Strict):
    """CPU and memory the kubelet keeps back for one group of daemons (its ``kubeReserved`` or ``systemReserved``)."""

    cpu: Quantity = "0"
    memory: Quantity = "0"


class EvictionHard(Strict):
    """The kubelet's hard eviction thresholds that lower allocatable: a quantity, or a percentage of capacity."""

    memory_available: Threshold = "100Mi"
    nodefs_available: Threshold = "10%"


def _threshold_bytes(threshold: str, capacity: int) -> int:
    if threshold.endswith("%"):
        return int(capacity * Decimal(threshold[:-1]) / 100)
    return byte_count(threshold)


class KubeletReservation(Strict):
    """What the kubelet of a node keeps from its pods: allocatable = capacity - kube_reserved - system_reserved -
    eviction_hard (kubernetes.io/docs/tasks/administer-cluster/reserve-compute-resources/#node-allocatable)."""

    kube_reserved: Reserved = Reserved()
    system_reserved: Reserved = Reserved()
    eviction_hard: EvictionHard = EvictionHard()

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

    def for_node(self, node: Node) -> KubeletReservation:
        """The reservation that applies on ``node``."""
        if node.role == "control-plane" and self.control_plane is not None:
            return self.control_plane
        return self


class Toleration(Strict):
    """A toleration of a system pod, as its installer writes it."""

    key: str | None = None
    operator: Literal["Exists", "Equal"] = "Equal"
    value: str | None = None
    effect: Literal["NoSchedule", "PreferNoSchedule", "NoExecute"] | None = None

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
    namespace: Name = "kube-system"
    kind: Literal["DaemonSet", "Deployment", "StaticPod"]
    replicas: int = Field(default=1, ge=1)
    nodes: Literal["all", "control-plane", "worker"] = "all"
    labels: dict[str, str] = Field(min_length=1)
    image: Image
    requests: ResourceAmounts | None = Field(default=None, description="none: the pod requests nothing")
    host_network: bool = False
    ports: list[Port] = []
    tolerations: list[Toleration] = []
    source: str = Field(min_length=10, description="where the figures come from (file and variables)")

    def runs_on(self, node: Node) -> bool:
        """A static pod's manifest is on ``node`` (always true for the other kinds)."""
        return self.kind != "StaticPod" or self.nodes in ("all", node.role)


class Platform(Strict):
    """Everything about the platform that is not one component."""

    name: Name
    description: str = ""
    domain: str
    kubernetes_version: str = Field(pattern=r"^v1\.[0-9]+\.[0-9]+$")
    cni: Cni
    storage_class: Name
    lan_subnet: Network
    pod_cidr: Network
    service_cidr: Network
    node_local_dns: Address | None = Field(
        default=None, description="link-local address of the node-local DNS cache pods resolve through, if any"
    )
    proxmox: ProxmoxHost
    gateway: Gateway
    nodes: list[Node] = Field(min_length=1)
    ports: list[PortAllocation] = []
    namespaces: list[Namespace]
    scrape_interval: str = Field(pattern=r"^[0-9]+[smh]$")
    provisioning: Provisioning = Provisioning()
    alerts: list[AlertRule] = []
    alert_routing: AlertRouting | None = None
    dashboards: list[Dashboard] = []
    backups: list[BackupSchedule] = []
    sso: SsoSettings
    kubelet: Kubelet = Kubelet()
    system_pods: list[SystemPod] = []
