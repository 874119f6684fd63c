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
    """the node's hostname and Kubernetes node name."""
    role: Literal["control-plane", "worker"]
    """control-plane (runs the API server, etcd host) or worker."""
    lan_ip: Address
    """the node's address on lan_subnet."""
    wireguard_ip: Address
    """the node's address in the gateway's WireGuard subnet."""
    cpu: int = Field(gt=0, description="CPU cores of the VM")
    memory: Quantity
    """memory of the VM, as a quantity (e.g. 16Gi)."""
    disk: Quantity
    """disk of the VM, as a quantity (e.g. 100Gi); hostpath volumes share it."""
    schedulable: bool = True
    """whether ordinary pods may run on it (false: the node is cordoned)."""
    purpose: str = ""
    """what the node is for, in words."""


class Cni(Strict):
    """The pod network plugin and its encapsulation mode."""

    name: str
    """the CNI plugin (e.g. calico)."""
    version: str
    """its pinned version (e.g. v3.28.0)."""
    mode: str
    """its encapsulation mode (e.g. Calico's IPIPCrossSubnet)."""


class ProxmoxHost(Strict):
    """The hypervisor that hosts the node VMs."""

    name: str
    """the Proxmox host's name."""
    lan_ip: Address
    """the Proxmox host's address on lan_subnet."""


class Gateway(Strict):
    """The public VPS in front of the cluster: WireGuard server and edge router."""

    name: str
    """the VPS's name."""
    public_ip: Address
    """the VPS's public address, which public hostnames resolve to."""
    wireguard_address: Address
    """the VPS's own address in the WireGuard subnet."""
    wireguard_subnet: Network
    """the WireGuard tunnel network shared by the VPS and the nodes."""
    listen_port: PortNumber
    """the UDP port WireGuard listens on."""
    services: list[str] = []
    """what runs on the VPS, in words."""
    tls: Literal["acme", "operator"] = Field(
        default="acme",
        description="how the edge Traefik gets its certificates: Let's Encrypt (ACME HTTP-01 on port 80), or files "
        "the operator puts on the VPS",
    )


class PortAllocation(Strict):
    """A row of the seed's port allocation table. ``port`` may be a range ``2379-2380``."""

    service: str
    """what holds the port, in words."""
    port: int | str
    """a port number, or a range written low-high (e.g. 2379-2380)."""
    protocol: Protocol
    """TCP, UDP or SCTP."""
    purpose: str
    """what the port is for."""

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
    """the namespace's name."""
    description: str = ""
    """what lives in it."""
    managed: bool = True
    """created by hearth with Pod Security labels and default policies (false: it exists already, e.g. default)."""


class AlertRule(Strict):
    """An alert the seed promises, as data; render turns it into a PrometheusRule."""

    name: str = Field(pattern=r"^[A-Za-z][A-Za-z0-9_]*$")
    """the alert's name (PromQL identifier)."""
    severity: Literal["critical", "warning", "info"]
    """critical, warning or info; alert_routing routes by it."""
    expr: str
    """the PromQL expression that fires the alert."""
    for_: str = Field(alias="for", pattern=r"^[0-9]+[smhd]$")
    """how long the expression must hold before the alert fires (written for:, e.g. 5m)."""
    summary: str
    """the alert's one-line summary annotation."""
    runbook: str = Field(default="", description="what the person paged does first: the alert's runbook annotation")
    source: str = Field(default="seed", description="who asks for the alert: the seed, or hearth (with why)")


Duration = Annotated[str, Field(pattern=r"^[0-9]+[smh]$")]


class SeverityRoute(Strict):
    """How Alertmanager groups and repeats one severity's notifications, and the Slack channel they go to."""

    severity: Literal["critical", "warning", "info"]
    """the severity this route is for."""
    channel: str = Field(pattern=r"^#[a-z0-9_-]+$")
    """the Slack channel, e.g. #alerts-critical."""
    group_wait: Duration
    """how long to wait to group the first notification."""
    group_interval: Duration
    """how long to wait before notifying of new alerts in a group."""
    repeat_interval: Duration
    """how often a still-firing alert is sent again."""


class Dashboard(Strict):
    """A Grafana dashboard from grafana.com, pinned by its ID and revision, and the data source it reads."""

    name: Name
    """a short name for the dashboard (its file name)."""
    title: str
    """the dashboard's title."""
    gnet_id: int = Field(gt=0)
    """its ID on grafana.com/grafana/dashboards."""
    revision: int = Field(gt=0)
    """the pinned revision of that dashboard."""
    datasource: str
    """the Grafana data source it reads (e.g. Prometheus)."""


class AlertRouting(Strict):
    """Alertmanager's routing: severities to Slack, with the webhook URL in a file Vault's agent writes."""

    group_by: list[str] = Field(min_length=1)
    """labels Alertmanager groups notifications by."""
    webhook_secret: str = Field(description="Vault KV path (mount/path#key) of the Slack webhook URL")
    routes: list[SeverityRoute] = Field(min_length=1)
    """one route per severity."""

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
    """the schedule's name (a Velero Schedule)."""
    description: str
    """what it backs up, in words."""
    schedule: Cron
    """a cron schedule (5 fields, e.g. '0 2 * * *')."""
    retention: Retention
    """how long each backup is kept (e.g. 7d, 30d, 1y)."""
    target: Name
    """the component that stores the backups (provides s3)."""
    include_volumes: bool = False
    """back up the contents of persistent volumes too, not only the objects."""


class SsoSettings(Strict):
    """Which component is the identity provider and which SSO modes exist."""

    provider: Name
    """the component that is the identity provider (provides oidc)."""
    modes: dict[str, str]
    """each SSO mode a component's web.sso may name, with what it means."""


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


class Platform(Strict):
    """Everything about the platform that is not one component."""

    name: Name
    """the platform's name (a DNS label)."""
    description: str = ""
    """one sentence on what the platform is for."""
    domain: str
    """the DNS domain every public hostname lives under (web.host + '.' + domain); ${domain} in component settings."""
    kubernetes_version: str = Field(pattern=r"^v1\.[0-9]+\.[0-9]+$")
    """the Kubernetes release the cluster runs (vX.Y.Z); kubespray installs it and charts' kubeVersion is checked
    against it.
    """
    cni: Cni
    """the pod network plugin, its version and mode."""
    storage_class: Name
    """the StorageClass every PersistentVolumeClaim uses."""
    lan_subnet: Network
    """the home LAN the Proxmox host and the node VMs are on."""
    pod_cidr: Network
    """the cluster's pod address range (kubespray kube_pods_subnet)."""
    service_cidr: Network
    """the cluster's Service address range (kubespray kube_service_addresses)."""
    node_local_dns: Address | None = Field(
        default=None, description="link-local address of the node-local DNS cache pods resolve through, if any"
    )
    proxmox: ProxmoxHost
    """the hypervisor the node VMs run on."""
    gateway: Gateway
    """the public VPS: WireGuard server and edge router in front of the cluster."""
    nodes: list[Node] = Field(min_length=1)
    """the Kubernetes node VMs, each with its addresses and size."""
    ports: list[PortAllocation] = []
    """the port allocation table: the well-known ports the platform reserves, with what holds each."""
    namespaces: list[Namespace]
    """every namespace the components live in; managed ones are created and locked down by hearth."""
    scrape_interval: str = Field(pattern=r"^[0-9]+[smh]$")
    """how often Prometheus scrapes each target (e.g. 30s)."""
    provisioning: Provisioning = Provisioning()
    """how build/ansible makes the node VMs and installs Kubernetes."""
    alerts: list[AlertRule] = []
    """the alert rules, rendered as a PrometheusRule."""
    alert_routing: AlertRouting | None = None
    """Alertmanager's routes to Slack by severity; none: alerts are not routed."""
    dashboards: list[Dashboard] = []
    """Grafana dashboards from grafana.com to provision."""
    backups: list[BackupSchedule] = []
    """the cluster-wide Velero backup schedules (per-database dumps are on the components)."""
    sso: SsoSettings
    """the identity provider and the SSO modes components may use."""
    kubelet: Kubelet = Kubelet()
    """what the kubelet of each node keeps back from pods (allocatable = capacity - reserved - eviction)."""
    system_pods: list[SystemPod] = []
    """pods the cluster installer runs (CNI, DNS, control plane), described so capacity counts them."""
